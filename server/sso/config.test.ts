import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';

const OIDC = {
  OIDC_ISSUER: 'https://sso.example.edu.cn/oidc',
  OIDC_CLIENT_ID: 'lixiao',
  OIDC_CLIENT_SECRET: 'secret',
  OIDC_REDIRECT_URI: 'https://lixiao.example.edu.cn/auth/oidc/callback',
  SSO_RETURN_URL: 'https://portal.example.edu.cn/lixiao/',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('sign-in configuration', () => {
  it('reads LOCAL_LOGIN as on/off or per role, password login on by default', () => {
    expect(loadConfig({}).localLogin).toEqual({ students: true, staff: true });
    expect(loadConfig({ LOCAL_LOGIN: 'off' }).localLogin).toEqual({ students: false, staff: false });
    expect(loadConfig({ LOCAL_LOGIN: 'students:off' }).localLogin).toEqual({ students: false, staff: true });
    expect(loadConfig({ LOCAL_LOGIN: ' Staff:OFF , students:on ' }).localLogin).toEqual({ students: true, staff: false });
    expect(problemsOf({ LOCAL_LOGIN: 'teachers:off' })[0]).toMatch(/^LOCAL_LOGIN=/);
    expect(problemsOf({ LOCAL_LOGIN: 'constructor:off' })[0]).toMatch(/^LOCAL_LOGIN=/);
  });

  it('reads an OIDC provider, with preferred_username as the default claim', () => {
    expect(loadConfig(OIDC).oidc).toEqual({
      issuer: OIDC.OIDC_ISSUER,
      clientId: 'lixiao',
      clientSecret: 'secret',
      redirectUri: OIDC.OIDC_REDIRECT_URI,
      usernameClaim: 'preferred_username',
      scope: 'openid profile',
    });
    expect(loadConfig({ ...OIDC, OIDC_USERNAME_CLAIM: 'student_id' }).oidc?.usernameClaim).toBe('student_id');
  });

  it('names every missing or unsafe sign-in setting', () => {
    const problems = problemsOf({
      OIDC_ISSUER: 'http://sso.example.edu.cn',
      OIDC_REDIRECT_URI: 'https://lixiao.example.edu.cn/callback',
      CAS_BASE_URL: 'https://cas.example.edu.cn/cas',
    });
    expect(problems.map((problem) => problem.split(/[:=]/)[0])).toEqual(
      expect.arrayContaining(['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_REDIRECT_URI', 'CAS_SERVICE_URL', 'SSO_RETURN_URL']),
    );
    expect(problems.find((problem) => problem.startsWith('OIDC_ISSUER'))).toMatch(/https/);
  });

  it('reads a CAS server without a trailing slash, http allowed on localhost only', () => {
    const cas = loadConfig({
      CAS_BASE_URL: 'http://127.0.0.1:8443/cas/',
      CAS_SERVICE_URL: 'http://127.0.0.1:4000/auth/cas/callback',
      SSO_RETURN_URL: 'http://127.0.0.1:4000/',
    }).cas;
    expect(cas).toEqual({ baseUrl: 'http://127.0.0.1:8443/cas', serviceUrl: 'http://127.0.0.1:4000/auth/cas/callback', usernameAttribute: null });
  });
});
