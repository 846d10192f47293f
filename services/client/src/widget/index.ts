// `@rlhf-loop/client/widget`: the <rlhf-thumbs> web component. Safe to import during SSR: the
// element class is only created when defineRlhfThumbs() runs in a browser.
export {
  defineRlhfThumbs,
  reasonsFromAttribute,
  DEFAULT_THUMBS_LABELS,
  type ThumbsClient,
  type ThumbsLabels,
  type DefineThumbsOptions,
  type ThumbsFeedbackDetail,
} from "./thumbs-element.js";
export { REASON_CODES, REASON_LABELS, type ReasonCode } from "../events/reason-codes.js";
