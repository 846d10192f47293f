import * as ort from "onnxruntime-node";
const s = await ort.InferenceSession.create("/work/shared/fixtures/hf-bert-reward/model.onnx");
console.log(s.inputNames, s.outputNames, JSON.stringify(s.inputMetadata), JSON.stringify(s.outputMetadata));
