import { graphql } from './generated/index.js';

export const LOGIN = graphql(`
  mutation TestLogin($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      __typename
      ... on MutationLoginSuccess { data { accessToken refreshToken mustChangePassword } }
      ... on Error { code message }
    }
  }
`);
