export * from "./gen/rlhf/v1/common_pb.js";
export * from "./gen/rlhf/v1/interaction_pb.js";
export * from "./gen/rlhf/v1/feedback_pb.js";
export * from "./gen/rlhf/v1/ingest_pb.js";
export * from "./gen/rlhf/v1/labeling_pb.js";
export * from "./gen/rlhf/v1/reward_pb.js";
export * from "./gen/rlhf/v1/policy_pb.js";
export * from "./topics.js";
