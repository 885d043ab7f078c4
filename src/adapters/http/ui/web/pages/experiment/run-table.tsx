import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Run } from '../../api.js';
import { hrefFor } from '../../router.js';
import { runLabel } from '../../lib/format.js';
import { cellText, type Column, type Sort } from './columns.js';

/** Every row is this tall (CSS keeps it so), which is what lets the table draw only what is seen. */
export const ROW_HEIGHT = 32;
/** Rows drawn above and below the visible ones, so a quick scroll never shows a blank band. */
const OVERSCAN = 12;
/** The first row index only moves in steps of this many rows: fewer renders while scrolling. */
const STEP = 4;
const SELECT_WIDTH = 40;

interface Props {
  runs: Run[];
  columns: Column[];
  sort: Sort;
  onSort: (column: Column) => void;
  selected: Set<string>;
  onSelect: (ids: string[], on: boolean) => void;
  /** The rows belong to an older query while the new one loads: shown dimmed. */
  stale: boolean;
  /** Changes with the query (filter, sort): a new answer starts at its top. */
  query: string;
}

/**
 * The run table, virtualised: a scroll box holds a real table whose body is a spacer row, the rows
 * in view (plus overscan) and another spacer, so 10,000 runs cost the DOM a few dozen rows. Column
 * widths are fixed (`table-layout: fixed`), so rows coming and going never move a column.
 */
export function RunTable({ runs, columns, sort, onSort, selected, onSelect, stale, query }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const [firstVisible, setFirstVisible] = useState(0);
  const [viewRows, setViewRows] = useState(30);

  useLayoutEffect(() => {
    const box = scroller.current;
    if (!box) return;
    const measure = () => setViewRows(Math.ceil(box.clientHeight / ROW_HEIGHT) + 1);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const box = scroller.current;
    if (!box) return;
    let frame = 0;
    // One state update per animation frame at most, and only when the window has moved a step:
    // the browser scrolls the already-drawn overscan in between.
    const onScroll = () => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        const index = Math.floor(box.scrollTop / ROW_HEIGHT);
        setFirstVisible(index - (index % STEP));
      });
    };
    box.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      box.removeEventListener('scroll', onScroll);
      cancelAnimationFrame(frame);
    };
  }, []);

  useEffect(() => {
    if (scroller.current) scroller.current.scrollTop = 0;
    setFirstVisible(0);
  }, [query]);

  const start = Math.max(0, Math.min(firstVisible, runs.length) - OVERSCAN);
  const end = Math.min(runs.length, firstVisible + viewRows + STEP + OVERSCAN);
  const shown = runs.slice(start, end);
  const width = SELECT_WIDTH + columns.reduce((sum, c) => sum + c.width, 0);
  const loadedSelected = runs.reduce((n, r) => n + (selected.has(r.id) ? 1 : 0), 0);
  const groups = columnGroups(columns);

  return (
    <div class={`run-table-scroll${stale ? ' stale' : ''}`} ref={scroller}>
      <table class="data run-table" aria-label="Runs" aria-rowcount={runs.length + 2} aria-busy={stale} style={{ width: `${width}px` }}>
        <colgroup>
          <col style={{ width: `${SELECT_WIDTH}px` }} />
          {columns.map((c) => (
            <col key={c.id} style={{ width: `${c.width}px` }} />
          ))}
        </colgroup>
        <thead>
          <tr class="group-row" aria-rowindex={1}>
            <th scope="col" colSpan={1 + (groups[0]?.span ?? 0)}>
              Run
            </th>
            {groups.slice(1).map((g) => (
              <th key={g.label} scope="colgroup" colSpan={g.span}>
                {g.label}
              </th>
            ))}
          </tr>
          <tr class="header-row" aria-rowindex={2}>
            <th scope="col" class="select-cell">
              <SelectAll count={runs.length} selected={loadedSelected} onChange={(on) => onSelect(runs.map((r) => r.id), on)} />
            </th>
            {columns.map((c) => (
              <SortHeader key={c.id} column={c} sort={sort} onSort={onSort} />
            ))}
          </tr>
        </thead>
        <tbody>
          {start > 0 && <Spacer height={start * ROW_HEIGHT} span={columns.length + 1} />}
          {shown.map((run, i) => (
            <RunRow key={run.id} run={run} index={start + i} columns={columns} checked={selected.has(run.id)} onSelect={onSelect} />
          ))}
          {end < runs.length && <Spacer height={(runs.length - end) * ROW_HEIGHT} span={columns.length + 1} />}
        </tbody>
      </table>
    </div>
  );
}

function columnGroups(columns: Column[]): { label: string; span: number }[] {
  const label = { attribute: 'Run', param: 'Parameters', metric: 'Metrics' } as const;
  const groups: { label: string; span: number }[] = [{ label: 'Run', span: 0 }];
  for (const c of columns) {
    const last = groups[groups.length - 1]!;
    if (last.label === label[c.kind]) last.span += 1;
    else groups.push({ label: label[c.kind], span: 1 });
  }
  return groups;
}

function Spacer({ height, span }: { height: number; span: number }) {
  return (
    <tr class="spacer" aria-hidden="true" style={{ height: `${height}px` }}>
      <td colSpan={span} />
    </tr>
  );
}

/**
 * Checked when every loaded run is selected, half-checked when some are. A click on a checked or
 * half-checked box clears the selection: with more runs loaded than a comparison takes, "all" is
 * never reached, and selecting all again would only hit the cap again.
 */
function SelectAll({ count, selected, onChange }: { count: number; selected: number; onChange: (on: boolean) => void }) {
  const box = useRef<HTMLInputElement>(null);
  const all = count > 0 && selected === count;
  useEffect(() => {
    if (box.current) box.current.indeterminate = selected > 0 && !all;
  }, [selected, all]);
  return (
    <input
      ref={box}
      type="checkbox"
      aria-label="Select all loaded runs"
      checked={all}
      disabled={count === 0}
      onChange={() => onChange(selected === 0)}
    />
  );
}

function SortHeader({ column, sort, onSort }: { column: Column; sort: Sort; onSort: (column: Column) => void }) {
  const active = sort.field === column.id;
  const ariaSort = active ? (sort.direction === 'asc' ? 'ascending' : 'descending') : undefined;
  const arrow = active ? (sort.direction === 'asc' ? '▲' : '▼') : '';
  return (
    <th scope="col" aria-sort={ariaSort} class={column.numeric ? 'num' : undefined} title={column.id}>
      <button type="button" class="sort-button" onClick={() => onSort(column)}>
        {column.label}
        <span class="sort-arrow" aria-hidden="true">
          {arrow}
        </span>
      </button>
    </th>
  );
}

interface RowProps {
  run: Run;
  index: number;
  columns: Column[];
  checked: boolean;
  onSelect: (ids: string[], on: boolean) => void;
}

function RunRow({ run, index, columns, checked, onSelect }: RowProps) {
  const label = runLabel(run.name, run.id);
  return (
    <tr class={`run-row${checked ? ' selected' : ''}`} aria-rowindex={index + 3}>
      <td class="select-cell">
        <input type="checkbox" aria-label={`Select ${label}`} checked={checked} onChange={(e) => onSelect([run.id], (e.currentTarget as HTMLInputElement).checked)} />
      </td>
      {columns.map((c) => {
        if (c.id === 'status') {
          return (
            <td key={c.id}>
              <span class={`status status-${run.status}`}>{run.status}</span>
            </td>
          );
        }
        if (c.id === 'name') {
          return (
            <td key={c.id} title={run.name ?? run.id}>
              <a href={hrefFor(['runs', run.id])} class={run.name === undefined ? 'mono' : undefined}>
                {label}
              </a>
            </td>
          );
        }
        const text = cellText(run, c);
        return (
          <td key={c.id} class={c.numeric ? 'num' : undefined} title={text}>
            {text}
          </td>
        );
      })}
    </tr>
  );
}
