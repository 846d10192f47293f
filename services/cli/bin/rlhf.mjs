#!/usr/bin/env node
// Entry for the `rlhf` command: the sources are TypeScript, run through tsx's loader.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
