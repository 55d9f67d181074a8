"""The look of the page: a Gradio theme and the CSS of the HTML views (`sv-*` classes).

Colours come from Gradio's CSS variables, so light and dark mode both work.
"""

from __future__ import annotations

import gradio as gr


def thumbnail_gallery(label: str, elem_id: str) -> gr.Gallery:
    """A row of moment thumbnails (evidence, alerts): four across, JPEG, clicked, not zoomed."""
    return gr.Gallery(
        label=label,
        columns=4,
        height="auto",
        fit_columns=False,
        format="jpeg",
        allow_preview=False,
        object_fit="contain",
        elem_id=elem_id,
    )


def theme() -> gr.themes.Base:
    return gr.themes.Soft(primary_hue="indigo", secondary_hue="slate", radius_size="md")


CSS = """
.gradio-container { max-width: 1500px !important; }
#sv-title h1 { margin: 0; font-size: 1.6em; }
#sv-title p { margin: 2px 0 0; opacity: .8; }
.sv-notice { padding: 8px 12px; border-radius: 8px; font-weight: 500; }
.sv-error { background: #fde8e8; color: #8a1c1c; border: 1px solid #f5b5b5; }
.sv-info { background: #e8effd; color: #1c3a8a; border: 1px solid #b5c8f5; }
.sv-ok { background: #e6f6ea; color: #1d5e2f; border: 1px solid #b3e0bf; }
.sv-live { display: flex; flex-direction: column; gap: 6px; }
.sv-frame { width: 100%; aspect-ratio: 16 / 9; object-fit: contain; background: #0b0d12;
  border-radius: 10px; display: block; }
.sv-empty { display: flex; align-items: center; justify-content: center; color: #c9cede;
  font-size: 1.05em; text-align: center; padding: 0 20px; }
.sv-health { font-size: .92em; color: var(--body-text-color-subdued); }
.sv-clock { font-variant-numeric: tabular-nums; color: var(--body-text-color); }
.sv-state { font-weight: 600; }
.sv-running { color: #16a34a; } .sv-paused { color: #d97706; } .sv-error { color: #dc2626; }
.sv-finishing, .sv-ended, .sv-stopped, .sv-idle, .sv-loading, .sv-reopened { color: #6b7280; }
.sv-label { opacity: .85; }
.sv-muted { color: var(--body-text-color-subdued); font-size: .92em; }
.sv-mem-head { margin-bottom: 8px; }
.sv-level { display: flex; gap: 12px; align-items: flex-start; padding: 6px 0;
  border-top: 1px solid var(--border-color-primary); }
.sv-level-name { width: 110px; flex: none; display: flex; flex-direction: column; }
.sv-level-name small { color: var(--body-text-color-subdued); }
.sv-thumbs { display: flex; flex-wrap: wrap; gap: 6px; }
.sv-slot { margin: 0; width: 112px; position: relative; }
.sv-slot img { width: 112px; height: 63px; object-fit: cover; border-radius: 6px; display: block; }
.sv-slot figcaption { font-size: .78em; text-align: center; color: var(--body-text-color-subdued); }
.sv-free { height: 63px; border: 1px dashed var(--border-color-primary); border-radius: 6px; }
.sv-weight { height: 4px; background: var(--color-accent); border-radius: 2px; margin-top: 2px; }
.sv-timeline { max-height: 420px; overflow-y: auto; }
.sv-ev { display: flex; gap: 10px; padding: 4px 2px; font-size: .93em;
  border-bottom: 1px solid var(--border-color-primary); }
.sv-t { width: 92px; flex: none; font-variant-numeric: tabular-nums;
  color: var(--body-text-color-subdued); }
.sv-kind { width: 72px; flex: none; font-weight: 600; }
.sv-speech .sv-kind { color: #2563eb; } .sv-ocr .sv-kind { color: #9333ea; }
.sv-tags .sv-kind { color: #059669; }
.sv-cols { display: flex; flex-wrap: wrap; gap: 16px; }
.sv-table { border-collapse: collapse; font-size: .9em; min-width: 260px; width: auto !important;
  border: none !important; margin: 0 !important; }
.sv-table tr, .sv-table th, .sv-table td { border: none !important; background: none !important;
  vertical-align: top; }
.sv-table caption { text-align: left; font-weight: 700; padding-bottom: 4px; }
.sv-table th { text-align: left; font-weight: 500; padding: 2px 10px 2px 0;
  color: var(--body-text-color-subdued); }
.sv-table td { padding: 2px 0; font-variant-numeric: tabular-nums; }
.sv-plot-title { font-weight: 700; margin-top: 12px; font-size: .9em; }
.sv-plot text { font-size: 10px; fill: var(--body-text-color-subdued); }
.sv-axis { stroke: var(--border-color-primary); }
.sv-line { fill: none; stroke: var(--color-accent); stroke-width: 2; }
#sv-notice .sv-error { position: fixed; top: 10px; left: 50%; transform: translateX(-50%);
  z-index: 1000; width: max-content; max-width: min(900px, 92vw);
  box-shadow: 0 6px 20px rgba(0, 0, 0, .18); }
#sv-evidence .grid-wrap, #sv-alerts .grid-wrap { min-height: 0 !important; max-height: 420px; }
#sv-evidence .grid-container, #sv-alerts .grid-container { padding-top: 34px; }
#sv-evidence .thumbnail-item, #sv-alerts .thumbnail-item { aspect-ratio: auto !important;
  height: auto !important; display: flex; flex-direction: column; overflow: visible !important; }
#sv-evidence .thumbnail-item img, #sv-alerts .thumbnail-item img { aspect-ratio: 16 / 9;
  width: 100%; height: auto !important; object-fit: contain; flex: none; }
#sv-evidence .caption-label, #sv-alerts .caption-label { position: static !important;
  transform: none !important;
  max-width: 100% !important; white-space: normal !important; overflow-wrap: anywhere;
  font-size: .78em; line-height: 1.25; padding: 3px 4px; margin: 0; text-align: left;
  background: none !important; color: var(--body-text-color) !important; }
"""
