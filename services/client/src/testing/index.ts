// `@rlhf-loop/client/testing` (Node only): a contract-speaking local sink with scripted faults,
// and a same-origin page server for browser tests of the widget.
export { startSink, type Sink, type SinkFault, type SinkOptions, type SinkRequestInfo } from "./sink.js";
export { startWidgetPage, widgetTestPage, type WidgetPage, type WidgetPageOptions, type TestWidget } from "./page-server.js";
export { buildBrowserBundle, launchChromium, CHROMIUM_PATH } from "./browser.js";
