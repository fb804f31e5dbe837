/// <reference types="vite-plugin-pwa/client" />
import { mount } from 'svelte';
import { registerSW } from 'virtual:pwa-register';
import './styles/app.css';
import App from './App.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('#app is missing from index.html');
// The static first paint of index.html gives way to the app.
target.replaceChildren();

// The service worker keeps the shell for offline starts and updates itself when a new build is out.
if ('serviceWorker' in navigator) registerSW({ immediate: true });

export default mount(App, { target });
