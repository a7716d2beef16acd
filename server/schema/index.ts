import { builder } from '../builder.js';
import './reference/reference.type.js';
import './cohort/cohort.type.js';
import './error/error.type.js';
import './student/student.type.js';
import './reviewer/reviewer.type.js';
import './auth/auth.mutation.js';
import './auth/viewer.query.js';
import './clearance/clearance-item.type.js';

export const schema = builder.toSchema({ sortSchema: true });
