// The tutorial, in the chapter's order: seven hands-on steps, then the five exercises.
import { EXERCISES } from './exercises.js';
import { HANDS_ON } from './handson.js';
import type { TutorialStep } from '../types.js';

export const STEPS: TutorialStep[] = [...HANDS_ON, ...EXERCISES];
