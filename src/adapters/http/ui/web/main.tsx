import { render } from 'preact';
import { refreshIdentity } from './api.js';
import { App, preloadView } from './app.js';
import { parseHash } from './lib/route.js';
import { prefetchFor } from './prefetch.js';
import './styles.css';

// The page's code first, then its data: the code's requests reach the server before a heavy
// data request (a 100-run comparison's histories) can hold it up.
const route = parseHash(location.hash);
preloadView(route);
prefetchFor(route);
const root = document.getElementById('app');
if (root) render(<App />, root);
refreshIdentity();
