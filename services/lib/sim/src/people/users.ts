import type { WorldConfig } from "../config/schema.js";
import type { Rng } from "../random/rng.js";

/** One end user of the chat product, with the hidden traits of how they vote. */
export interface SimUser {
  id: string;
  segment: string;
  segmentIndex: number;
  /** Pareto-distributed: how often this user chats, relative to the least active (1). */
  activity: number;
  /** Probability of thumbing an answer. */
  voteProb: number;
  /** Probability that a vote is a quick careless click. */
  careless: number;
  /** Punishes hedged answers on thumbs and comparisons. */
  punishesUncertainty: boolean;
  /** Personal offset on the thumb logit. */
  bias: number;
  /** Among the top 5% most active users. */
  heavy: boolean;
}

export interface Population {
  users: SimUser[];
  /** Per segment: its users and the cumulative activity used to pick who chats. */
  segments: { users: SimUser[]; cumulative: Float64Array }[];
}

export function buildPopulation(config: WorldConfig, rng: Rng): Population {
  const u = config.users;
  const users: SimUser[] = [];
  const median = Math.pow(2, 1 / u.activityAlpha);
  const m = u.carelessRate;
  config.segments.forEach((seg, si) => {
    const r = rng.fork(`segment:${seg.name}`);
    const width = String(seg.users - 1).length;
    for (let i = 0; i < seg.users; i++) {
      const activity = r.pareto(u.activityAlpha);
      const careless = m <= 0 ? 0 : m >= 1 ? 1 : r.beta(m * 4, (1 - m) * 4);
      users.push({
        id: `u-${seg.name}-${String(i).padStart(width, "0")}`,
        segment: seg.name,
        segmentIndex: si,
        activity,
        voteProb: Math.min(u.maxVoteRate, u.voteRate * Math.pow(activity / median, u.voteActivityExponent)),
        careless,
        punishesUncertainty: r.chance(u.uncertaintyPunisherShare),
        bias: u.userBiasSd * r.normal(),
        heavy: false,
      });
    }
  });
  // The most active 5% click fastest and most carelessly.
  const byActivity = users.slice().sort((a, b) => b.activity - a.activity || (a.id < b.id ? -1 : 1));
  const heavyCount = Math.ceil(users.length * 0.05);
  for (const user of byActivity.slice(0, heavyCount)) {
    user.heavy = true;
    user.careless = Math.min(0.9, Math.max(user.careless, user.careless * u.heavyUserCarelessBoost));
  }
  const segments = config.segments.map((_, si) => {
    const members = users.filter((x) => x.segmentIndex === si);
    const cumulative = new Float64Array(members.length);
    let sum = 0;
    members.forEach((x, i) => {
      sum += x.activity;
      cumulative[i] = sum;
    });
    return { users: members, cumulative };
  });
  return { users, segments };
}

/** Picks the user who chats, in proportion to activity. */
export function pickUser(pop: Population, segmentIndex: number, rng: Rng): SimUser {
  const seg = pop.segments[segmentIndex];
  if (!seg || seg.users.length === 0) throw new Error(`segment ${segmentIndex} has no users`);
  const total = seg.cumulative[seg.cumulative.length - 1] as number;
  const x = rng.float() * total;
  let lo = 0;
  let hi = seg.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((seg.cumulative[mid] as number) > x) hi = mid;
    else lo = mid + 1;
  }
  return seg.users[lo] as SimUser;
}
