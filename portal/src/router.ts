import { ref } from 'vue';

/** The portal's few pages need no router library: the path is the state, history gives back and forward. */
export const route = ref(location.pathname);

export function navigate(path: string, { replace = false } = {}) {
  if (path !== location.pathname) history[replace ? 'replaceState' : 'pushState'](null, '', path);
  route.value = path;
}

window.addEventListener('popstate', () => {
  route.value = location.pathname;
});

export const PATHS = {
  login: '/login',
  password: '/password',
  survey: '/survey',
  sheet: '/sheet',
  review: '/review',
  admin: '/admin',
} as const;
