import type { TopicId } from "../domain/catalog.js";
import type { IntentId } from "../domain/intents.js";

/**
 * Phrase banks the production bot writes answers from. The same banks are read back by
 * gold/infer.ts to recover an answer's traits from its text, so every sentence here belongs
 * to exactly one bank and no sentence contains another bank's sentence.
 */

/** Actions: for each clear intent, the two things the bot might do. Which one is right is decided in actions.ts. */
export const ACTION_PHRASES = {
  refund_approve: [
    "I have approved a full refund of {amount} for your {product}.",
    "Your refund for order {order} is approved and the money will go back to your original payment method.",
    "You are eligible for a refund, so I have started a return for the {product} on order {order}.",
  ],
  refund_decline: [
    "The {product} is outside our return window, so a refund is not possible, but I can offer a repair or store credit instead.",
    "I cannot issue a refund for order {order} because the return period has ended, though store credit is available.",
    "Refunds are no longer available for this purchase, but we can repair the {product} free of charge.",
  ],
  reset_secure: [
    "I have sent a secure reset link to the email address on your account, and it expires in 30 minutes.",
    "For your security, please use the reset link we just emailed you to choose a new password.",
    "You can reset your password with the verified link we sent to your registered email.",
  ],
  reset_insecure: [
    "Just reply with your current password and date of birth and I will change it for you.",
    "I have set your password to Welcome123 so you can log in right away.",
    "Send me your username and old password here and I will reset it manually.",
  ],
  ship_track: [
    "Order {order} is still in transit with {carrier} and should arrive within the next few days.",
    "The tracking for order {order} shows it is moving, so please allow a little more time for delivery.",
  ],
  ship_reship: [
    "Since order {order} is {lateDays} days late, I have sent a free replacement {product} by express delivery.",
    "I have marked order {order} as lost and shipped a new {product} to you at no cost.",
  ],
  bill_investigate: [
    "I have opened a billing investigation into the {amount} charge from {month}, and we will reply within five business days.",
    "Our billing team will review the {amount} charge from {month} and email you the result within five business days.",
  ],
  bill_reverse: [
    "I have reversed the {amount} charge from {month} right away, no review needed.",
    "Don't worry, I removed the {amount} charge and you will never be billed for it again.",
  ],
  cancel_end_of_period: [
    "I can help you cancel your {plan}, and it will stay active until the end of the current billing period.",
    "Your {plan} will be cancelled at the end of this billing period and you will not be charged again.",
  ],
  cancel_immediate_refund: [
    "I have cancelled your {plan} immediately and repaid the rest of the month.",
    "Your {plan} is cancelled as of today and I have paid back the unused days.",
  ],
  feature_moved: [
    "After the update, {feature} moved to the new Workspace menu in the top left corner.",
    "{Feature} is still there, it now lives under Workspace in the top left menu.",
  ],
  feature_removed: [
    "{Feature} was removed in the update and is no longer available.",
    "We retired {feature} with the redesign, so it cannot be used anymore.",
  ],
} as const;

export type ActionId = keyof typeof ACTION_PHRASES;

/** Knowledge answers: the fact a correct answer states per topic, and a wrong one. */
export const FACT_PHRASES: Readonly<Record<TopicId, { correct: readonly string[]; wrong: readonly string[] }>> = {
  export: {
    correct: [
      "You can export all of your data as a CSV file from Settings under Data export.",
      "A full export of your data is available as a CSV download under Settings.",
    ],
    wrong: ["Data export is not available on any of our plans.", "There is no way to take your data out of the service."],
  },
  twofactor: {
    correct: [
      "Two-factor authentication works with any authenticator app and can be turned on under Security.",
      "You can protect your login with codes from an authenticator app, switched on under Security.",
    ],
    wrong: ["We only offer two-factor codes by postal mail.", "Two-factor authentication is only for accounts older than five years."],
  },
  storage: {
    correct: [
      "The Basic plan includes 50 GB of storage and the Team plan includes 1 TB.",
      "Storage depends on the plan, with 50 GB on Basic and 1 TB on Team.",
    ],
    wrong: ["Every plan comes with unlimited storage at no extra cost.", "All plans are limited to 1 GB of storage."],
  },
  seats: {
    correct: [
      "You can invite up to 25 members on the Team plan from the Members page.",
      "Coworkers can be added from the Members page, with up to 25 members on the Team plan.",
    ],
    wrong: ["Only one person can ever use an account.", "Extra members can only be added by mailing us a signed form."],
  },
  offline: {
    correct: [
      "The mobile app keeps your recent files available offline once you mark them as favorites.",
      "Files you mark as favorites in the mobile app stay available without a connection.",
    ],
    wrong: ["The app cannot open any file without an internet connection.", "Offline use requires a paid add-on for every device."],
  },
};

/** Numbered steps, in order; the bot shows the first three or more. */
export const STEP_PHRASES: Readonly<Record<Exclude<IntentId, "ambiguous">, readonly string[]>> = {
  refund_in_window: ["Open your order page.", "Select the {product} on order {order}.", "Follow the instructions shown there."],
  refund_out_of_window: ["Open your order page.", "Select the {product} on order {order}.", "Follow the instructions shown there."],
  password_reset: [
    "Open the sign-in page on {channel}.",
    "Select Forgot password.",
    "Enter the email address on your account.",
    "Open the link in the email we send you.",
    "Choose a new password and sign in.",
  ],
  shipping_delay: ["Open your order page.", "Select Track parcel next to order {order}.", "Check the latest scan from the carrier."],
  billing_dispute: [
    "Open Billing in your account settings.",
    "Find the charge in your payment history.",
    "Select Report a problem next to it.",
  ],
  cancellation: [
    "Go to Settings and open Billing.",
    "Select Manage plan.",
    "Choose Cancel plan and confirm.",
    "Look for the confirmation email.",
  ],
  product_question: ["Open Settings from the main menu.", "Find the section for this feature.", "Save your changes."],
  feature_change: [
    "Click the Workspace menu in the top left corner.",
    "Choose {feature} from the list.",
    "Pin it to your sidebar for quick access.",
  ],
};

/** Policy citations; every one names a policy. */
export const CITE_PHRASES: Readonly<Record<IntentId, readonly string[]>> = {
  refund_in_window: [
    "Our refund policy allows returns within {window} days of purchase.",
    "Under our {window}-day return policy, items can be refunded while they are inside that window.",
  ],
  refund_out_of_window: [
    "Our refund policy allows returns within {window} days of purchase.",
    "Under our {window}-day return policy, items can be refunded while they are inside that window.",
  ],
  password_reset: ["Our security policy never lets agents see or set your password."],
  shipping_delay: ["Our delivery policy treats a parcel as lost once it is {lost} days late."],
  billing_dispute: ["Our billing policy is to review every disputed charge before any money is returned."],
  cancellation: ["Under our subscription policy, plans stay active until the end of the paid period."],
  product_question: ["Our help center policy pages describe this in more detail."],
  feature_change: ["Our help center policy pages describe this in more detail."],
  ambiguous: ["Our help center policy pages describe this in more detail."],
};

export const CLARIFY_LEADS = ["", "I want to make sure I help with the right thing.", "Happy to look into it."] as const;

export const CLARIFY_PHRASES = [
  "Could you tell me a bit more about what is not working, for example is it a payment, a delivery or signing in?",
  "Which order or account is this about, and what exactly happened?",
  "To point you in the right direction, is this about billing, shipping or your login?",
  "Can you share what you were trying to do when the problem started?",
] as const;

export const REFUSAL_PHRASES = [
  "I am not able to help with this request in chat.",
  "Unfortunately I can't assist with that here, please contact our support team by phone.",
  "This is not something I can handle, so I have to decline.",
] as const;

export const HEDGE_PHRASES = [
  "I'm not completely sure, but here is what I can see.",
  "This may not be fully accurate.",
  "I could be wrong about this.",
  "If I understand the system correctly, this should work.",
] as const;

export const DISCLAIMER_PHRASES = [
  "Please note that this answer is general information only and not legal or financial advice.",
  "This message was generated automatically and may contain mistakes.",
  "Terms and conditions apply to all account changes.",
] as const;

export const TONE_OPENERS = {
  warm: [
    "I'm really sorry for the trouble, and thank you for reaching out.",
    "Thank you so much for your patience with this.",
    "I completely understand how frustrating this must be.",
  ],
  neutral: ["", "Hello.", "Thanks for your message."],
  curt: ["Noted.", "Read this carefully.", "As already stated in our FAQ:"],
} as const;

export const TONE_CLOSERS = {
  warm: ["I'm always happy to help with anything else!", "Wishing you a wonderful day!"],
  neutral: ["", "Let us know if you need anything else.", "Best regards."],
  curt: ["That is all.", "Nothing more can be done."],
} as const;

/** Neutral detail sentences the bot adds to reach a longer length; they carry no trait. */
export const ELABORATIONS = [
  "You will receive a confirmation email once this is complete.",
  "Our support team is available every day from 8 am to 8 pm.",
  "You can also follow the status of your request in your account.",
  "Most customers see the change reflected within a few minutes.",
  "If you use our mobile app, the same information appears under Account.",
  "We keep a record of this conversation in case you need it later.",
  "Your account details have not been changed in any other way.",
  "You can reply to this message at any time to continue the conversation.",
  "A summary of this chat will be added to your support history.",
  "Our help center has more articles on this topic.",
  "We are always working to make this process faster and simpler.",
  "Nothing else is needed from you at the moment.",
  "The same steps work on both the website and the app.",
  "Your order history shows every purchase from the last two years.",
] as const;
