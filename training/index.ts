export {
  CLASSES,
  FEATURES,
  improvingDelta,
  initialModel,
  type LinearModel,
  linearEvaluator,
  sampleAt,
} from './linear.js';
