import { jest } from '@jest/globals';

// Integration specs start processes, databases and queues: give each test a minute
// (testTimeout is a global jest option and cannot be set per project).
jest.setTimeout(60_000);
