import { graphql } from './generated/index.js';

/** The operations many suites share, as typed documents (npm run codegen types every graphql(`…`) under server/). */

export const LOGIN = graphql(`
  mutation TestLogin($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      __typename
      ... on MutationLoginSuccess { data { accessToken refreshToken mustChangePassword accessTokenExpiresAt } }
      ... on DomainError { code message retryAfterSeconds }
    }
  }
`);

export const APPROVE = graphql(`
  mutation TestApprove($items: [ItemRefInput!]!) {
    approveItems(items: $items) {
      __typename
      ... on MutationApproveItemsSuccess { data { approved failed } }
      ... on DomainError { code message }
    }
  }
`);

export const REJECT = graphql(`
  mutation TestReject($items: [ItemRefInput!]!, $reason: String!) {
    rejectItems(items: $items, reason: $reason) {
      __typename
      ... on MutationRejectItemsSuccess { data { rejected failed } }
      ... on DomainError { code message }
    }
  }
`);

export const APPLY_RULE_CHANGE = graphql(`
  mutation TestApplyRuleChange($input: RuleChangeInput!, $version: Int!) {
    applyRuleChange(input: $input, expectedRuleSetVersion: $version) {
      __typename
      ... on MutationApplyRuleChangeSuccess { data { applied studentsAffected } }
      ... on DomainError { code message }
    }
  }
`);

export const LOGOUT = graphql(`
  mutation TestLogout {
    logout
  }
`);

/** Whether a token is still accepted: any viewer answers, a refused token an error. */
export const VIEWER_TYPENAME = graphql(`
  query TestViewerTypename {
    viewer { __typename }
  }
`);

export const CHANGES = graphql(`
  query TestChanges($cursor: String, $first: Int) {
    changesSince(cursor: $cursor, first: $first) {
      cursor
      hasMore
      changes { seq fromStatus toStatus reason source item { id status } template { code } student { number } }
    }
  }
`);
