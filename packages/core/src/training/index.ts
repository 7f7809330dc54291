export type * from './trainer.js';
