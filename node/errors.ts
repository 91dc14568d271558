import { QenexError } from '../consensus/index.js';

export type NodeErrorType = { code: 'NODE_FEATURE_ABSENT'; feature: string };

export class NodeError extends QenexError<NodeErrorType> {
  constructor(type: NodeErrorType, message?: string) {
    super(type, message);
    this.name = 'NodeError';
  }
}
