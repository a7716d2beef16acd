import { builder } from '../builder.js';
import './reference/reference.type.js';
import './cohort/cohort.type.js';

export const schema = builder.toSchema({ sortSchema: true });
