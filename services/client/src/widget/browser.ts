// Entry of the browser bundle (scripts/build-browser.mjs): the client and the widget, nothing
// Node-only. As an IIFE it is exposed as `window.RlhfFeedback`.
export { FeedbackClient, FeedbackClientError, REASON_CODES, REASON_LABELS } from "../index.js";
export { defineRlhfThumbs, DEFAULT_THUMBS_LABELS } from "./thumbs-element.js";
