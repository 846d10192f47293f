/** The fictional shop behind the support bot: products, plans, help-center topics. */
export const COMPANY = "Northwind";

export const PRODUCTS = [
  "Aero headphones",
  "Lumen desk lamp",
  "Pulse fitness band",
  "Nimbus backpack",
  "Orbit smart speaker",
  "Trail water bottle",
  "Vista webcam",
  "Terra yoga mat",
  "Nova phone case",
  "Atlas travel mug",
] as const;

export const PLANS = ["Basic plan", "Plus plan", "Team plan"] as const;

export const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;

export const CHANNELS = ["the app", "the website"] as const;

export const CARRIERS = ["the courier", "the postal service", "our delivery partner"] as const;

/** Help-center topics: each has ways customers phrase it, and the fact a correct answer states. */
export const TOPICS = {
  export: ["export my data", "download all my data", "get my data as a spreadsheet"],
  twofactor: ["turn on two-factor authentication", "set up two-step login", "add a second login step"],
  storage: ["know how much storage I get", "find out the storage limit", "see how much space my plan includes"],
  seats: ["add more people to my account", "invite my coworkers", "add extra seats"],
  offline: ["use the app offline", "work without an internet connection", "open my files offline"],
} as const;

export type TopicId = keyof typeof TOPICS;
export const TOPIC_IDS = Object.keys(TOPICS) as TopicId[];

/** Screens that moved in the product change that starts the drift. */
export const FEATURES = ["the reports page", "the export button", "the team settings", "the invoice history"] as const;
