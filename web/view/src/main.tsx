/** Entry: pick the data source (live API or a static export's data) and mount the app. */
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { pickSource } from './source.ts';
import './style.css';

createRoot(document.getElementById('root')!).render(<App source={pickSource()} />);
