// Runs the CLI from source (tests spawn this through tsx).
import { main } from '../../src/index.js';

process.exitCode = await main(process.argv);
