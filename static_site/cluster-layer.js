// @ts-check
// Clusters and reports drawn on one canvas: only what the current view needs, redrawn after
// every move. Leaflet's canvas renderer supplies sizing, panning and the zoom animation.
import { ITEM_STRIDE } from "./items.js";

const CLUSTER_FILL = "#263238";
const OUTLINE = "#1b1b1b";
const POINT_RADIUS = 7;
const HIT_SLOP = 4; // pixels around a symbol that still count as a hit (fingers are thick)

export function clusterRadius(count) {
  return Math.min(24, 11 + 3 * Math.log10(count));
}

export function abbreviate(count) {
  if (count >= 10_000) return `${Math.round(count / 1000)}k`;
  if (count >= 1000) return `${(Math.round(count / 100) / 10).toString()}k`;
  return String(count);
}

/**
 * `styleOf(statusIndex)` → {colour, glyph} for a single report. Items are the engine's packed
 * answer (items.js ITEM_STRIDE). Fires nothing itself: the map asks hitTest() on a click.
 */
export const ClusterLayer = L.Canvas.extend({
  options: { padding: 0.25 },

  initialize(styleOf, options) {
    L.Canvas.prototype.initialize.call(this, options);
    this.styleOf = styleOf;
    this.items = new Float64Array(0);
  },

  onAdd(map) {
    L.Canvas.prototype.onAdd.call(this, map);
    this.on("update", this.drawItems, this);
    this.drawItems();
  },

  onRemove(map) {
    this.off("update", this.drawItems, this);
    L.Canvas.prototype.onRemove.call(this, map);
  },

  /** The padded bounds the canvas covers: what a query should fetch for it. */
  paddedBounds() {
    return this._map.getBounds().pad(this.options.padding);
  },

  setItems(items) {
    this.items = items;
    this.drawItems();
  },

  drawItems() {
    if (!this._map || !this._bounds) return;
    const ctx = this._ctx;
    const { min, max } = this._bounds;
    ctx.clearRect(min.x, min.y, max.x - min.x, max.y - min.y);
    const { items } = this;
    for (let o = 0; o < items.length; o += ITEM_STRIDE) {
      const p = this._map.latLngToLayerPoint([items[o], items[o + 1]]);
      if (items[o + 2] > 1) this.drawCluster(ctx, p, items[o + 2]);
      else this.drawPoint(ctx, p, this.styleOf(items[o + 4]));
    }
  },

  drawCluster(ctx, p, count) {
    const r = clusterRadius(count);
    ctx.beginPath();
    ctx.arc(p.x, p.y, r + 3, 0, 2 * Math.PI);
    ctx.fillStyle = "rgba(38, 50, 56, 0.35)";
    ctx.fill();
    ctx.beginPath();
    ctx.arc(p.x, p.y, r, 0, 2 * Math.PI);
    ctx.fillStyle = CLUSTER_FILL;
    ctx.fill();
    ctx.lineWidth = 2;
    ctx.strokeStyle = "#fff";
    ctx.stroke();
    ctx.fillStyle = "#fff";
    ctx.font = "bold 12px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(abbreviate(count), p.x, p.y + 0.5);
  },

  drawPoint(ctx, p, style) {
    ctx.beginPath();
    ctx.arc(p.x, p.y, POINT_RADIUS, 0, 2 * Math.PI);
    ctx.fillStyle = style.colour;
    ctx.fill();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = OUTLINE;
    ctx.stroke();
    if (style.glyph) {
      ctx.fillStyle = "#fff";
      ctx.font = "bold 10px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(style.glyph, p.x, p.y + 0.5);
    }
  },

  /** Offsets (into items) of the symbols under a layer point, topmost first. */
  hitTest(layerPoint) {
    const hits = [];
    const { items } = this;
    for (let o = 0; o < items.length; o += ITEM_STRIDE) {
      const r = items[o + 2] > 1 ? clusterRadius(items[o + 2]) : POINT_RADIUS;
      const p = this._map.latLngToLayerPoint([items[o], items[o + 1]]);
      if (p.distanceTo(layerPoint) <= r + HIT_SLOP) hits.push(o);
    }
    return hits.reverse();
  },
});
