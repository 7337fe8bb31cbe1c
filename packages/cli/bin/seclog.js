#!/usr/bin/env node
// The `seclog` command. Runs the compiled CLI (built by `npm install` through
// the root `prepare` script, or by `npm run build`).
import { main } from '../dist/index.js';

process.exitCode = await main(process.argv);
