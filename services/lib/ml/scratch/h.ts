import { hash32 } from "../src/text/hash.js";
console.log(hash32(""), hash32("refund"), hash32("a\u0001refund"), hash32("refund", 7));
