import { QenexError } from '../../consensus/index.js';

export type VerifyErrorType =
  | { code: 'VERIFY_BAD_OPTIONS'; option: string; value: number }
  | { code: 'VERIFY_POOL_NOT_STARTED' }
  | { code: 'VERIFY_POOL_STOPPED' }
  | { code: 'VERIFY_WORKER_FAILED'; reason: string };

export class VerifyError extends QenexError<VerifyErrorType> {
  constructor(type: VerifyErrorType, message?: string) {
    super(type, message ?? describeVerify(type));
    this.name = 'VerifyError';
  }
}

function describeVerify(t: VerifyErrorType): string {
  switch (t.code) {
    case 'VERIFY_BAD_OPTIONS':
      return `invalid verify pool option ${t.option}: ${t.value}`;
    case 'VERIFY_POOL_NOT_STARTED':
      return 'verify pool is not started';
    case 'VERIFY_POOL_STOPPED':
      return 'verify pool was stopped';
    case 'VERIFY_WORKER_FAILED':
      return `verify worker failed: ${t.reason}`;
  }
}
