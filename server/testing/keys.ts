/** The initial-password key of test servers, spawned server processes and the test snapshots' demo students (no vitest import: the bench uses it too). */
export const TEST_PASSWORD_PEPPER = 'test-pepper-test-pepper-test-pepper!';
/** The JWT secret of test servers, for tests that sign a token themselves. */
export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret!';
