/** The initial-password key of test servers, spawned server processes and the test snapshots' demo students (no vitest import: the bench uses it too). */
export const TEST_PASSWORD_PEPPER = 'test-pepper-test-pepper-test-pepper!';
