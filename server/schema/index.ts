import { builder } from '../builder.js';
import './reference/reference.type.js';
import './cohort/cohort.type.js';
import './error/error.type.js';
import './student/student.type.js';
import './reviewer/reviewer.type.js';
import './auth/auth.mutation.js';
import './auth/viewer.query.js';
import './clearance/clearance-item.type.js';
import './stats/stats.type.js';
import './stats/stats.query.js';
import './clearance/progress.type.js';
import './clearance/clearance-item.fields.js';
import './student/student-clearance.fields.js';
import './survey/survey.type.js';
import './survey/survey.mutation.js';
import './clearance/clearance.subscription.js';

export const schema = builder.toSchema({ sortSchema: true });
