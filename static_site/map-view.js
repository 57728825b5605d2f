// @ts-check
// The Leaflet map: tiles (config.json's, else OpenStreetMap), the cluster canvas, popups and
// the report form's pin. The page's other modules talk to it, never to Leaflet directly.
import { ClusterLayer } from "./cluster-layer.js";
import { onLanguageChange, t } from "./shared/i18n.js";
import { DEFAULT_VIEW } from "./state.js";

export const DEFAULT_TILES = {
  url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
  attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
  maxZoom: 19,
};
const POLAND = [[49.0, 14.1], [54.9, 24.2]];

const escapeHtml = (text) => String(text).replace(/[&<>"']/g,
  (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

/**
 * Leaflet shows attribution as HTML. What config.json gives is rebuilt from its text and its
 * http(s) links only, so that no markup of it runs.
 */
export function safeAttribution(html) {
  const parsed = new DOMParser().parseFromString(String(html ?? ""), "text/html");
  const walk = (node) => [...node.childNodes].map((child) => {
    if (child.nodeType === Node.TEXT_NODE) return escapeHtml(child.textContent);
    if (child.nodeType !== Node.ELEMENT_NODE) return "";
    const href = child.tagName === "A" ? child.getAttribute("href") || "" : "";
    if (/^https?:\/\//i.test(href)) return `<a href="${escapeHtml(href)}">${walk(child)}</a>`;
    return walk(child);
  }).join("");
  return walk(parsed.body);
}

/**
 * The tiles of config.json: {"tiles": "<url>", "tiles_attribution": "<html>"} (as the
 * deployment writes it), or {"tiles": {"url", "attribution", "max_zoom"}}; else OpenStreetMap.
 */
export function tilesOf(config) {
  const tiles = config?.tiles;
  const chosen = typeof tiles === "string" ? { url: tiles, attribution: config.tiles_attribution }
    : tiles && typeof tiles.url === "string" ? { ...tiles, maxZoom: tiles.max_zoom } : null;
  if (!chosen) return DEFAULT_TILES;
  return { url: chosen.url, attribution: chosen.attribution ?? "",
    maxZoom: Number(chosen.maxZoom) || DEFAULT_TILES.maxZoom };
}

export class MapView {
  /**
   * `styleOf(statusIndex)` styles a report; `onMove()` runs after every move or zoom;
   * `onClick(latlng, hits)` gets the symbols under a click (offsets into the drawn items).
   */
  constructor({ tiles = DEFAULT_TILES, view, styleOf, onMove, onClick, onPinMove }) {
    const { maxZoom } = tiles;
    // No fading: a closing popup would still catch clicks for 200 ms.
    this.map = L.map("map", { zoomControl: false, maxZoom, minZoom: 4, fadeAnimation: false });
    L.control.zoom().addTo(this.map);
    this.translateControls();
    onLanguageChange(() => this.translateControls());
    L.tileLayer(tiles.url, { maxZoom, attribution: safeAttribution(tiles.attribution) }).addTo(this.map);
    if (view) this.map.setView([view.lat, view.lon], view.zoom);
    else this.map.fitBounds(POLAND);
    this.layer = new ClusterLayer(styleOf).addTo(this.map);
    this.onPinMove = onPinMove;
    this.pin = null;
    this.map.on("moveend", () => onMove());
    this.map.on("click", (event) => {
      if (this.map.dragging?.moved()) return;
      onClick(event.latlng, this.layer.hitTest(event.layerPoint));
    });
    this.map.on("mousemove", (event) => {
      const over = this.layer.hitTest(event.layerPoint).length > 0;
      this.map.getContainer().classList.toggle("over-symbol", over);
    });
  }

  /** Leaflet's own controls speak English: their labels follow the page's language. */
  translateControls() {
    const container = this.map.getContainer();
    const labels = [
      [".leaflet-control-zoom-in", t("Przybliż", "Zoom in")],
      [".leaflet-control-zoom-out", t("Oddal", "Zoom out")],
      [".leaflet-popup-close-button", t("Zamknij", "Close")],
    ];
    for (const [selector, label] of labels) {
      for (const control of container.querySelectorAll(selector)) {
        control.setAttribute("aria-label", label);
        control.title = label;
      }
    }
  }

  get view() {
    const centre = this.map.getCenter();
    return { zoom: this.map.getZoom(), lat: centre.lat, lon: centre.lng };
  }

  setView(view) {
    const target = view || DEFAULT_VIEW;
    this.map.setView([target.lat, target.lon], target.zoom);
  }

  /** What the engine needs for a redraw: padded bounds to draw, the visible bounds to count. */
  queryArgs() {
    const box = (bounds) => [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()];
    return { bbox: box(this.layer.paddedBounds()), view: box(this.map.getBounds()),
      zoom: this.map.getZoom() };
  }

  setItems(items) {
    this.layer.setItems(items);
  }

  itemAt(offset) {
    const items = this.layer.items;
    return { lat: items[offset], lon: items[offset + 1], count: items[offset + 2],
      id: items[offset + 3], status: items[offset + 4], category: items[offset + 5] };
  }

  zoomTo(lat, lon, zoom) {
    this.map.setView([lat, lon], Math.min(zoom, this.map.getMaxZoom()));
  }

  /**
   * A popup with `content` (DOM); focus moves into it; `onClose` runs when it closes.
   * @param {number} lat
   * @param {number} lon
   * @param {HTMLElement} content
   * @param {{onClose?: () => void}} [options]
   */
  openPopup(lat, lon, content, { onClose } = {}) {
    const popup = L.popup({ maxWidth: 320, autoPanPadding: [24, 24] })
      .setLatLng([lat, lon]).setContent(content);
    popup.on("remove", () => onClose?.());
    // Leaflet closes popups on Escape only while the map itself has focus: here too.
    content.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.map.closePopup(popup);
    });
    popup.openOn(this.map);
    this.translateControls(); // the popup's close button
    /** @type {HTMLElement|null} */ (content.querySelector("[tabindex='-1']"))?.focus({ preventScroll: true });
    return popup;
  }

  closePopup() {
    this.map.closePopup();
  }

  // ---- the report form's pin ------------------------------------------------------------

  setPin(lat, lon, { pan = false } = {}) {
    if (!this.pin) {
      this.pin = L.marker([lat, lon], { draggable: true, keyboard: false, autoPan: true,
        title: "Miejsce zgłoszenia / Place of the report", alt: "Miejsce zgłoszenia / Place of the report" });
      this.pin.on("dragend", () => {
        const { lat: newLat, lng } = this.pin.getLatLng();
        this.onPinMove(newLat, lng);
      });
      this.pin.addTo(this.map);
    } else {
      this.pin.setLatLng([lat, lon]);
    }
    if (pan && !this.map.getBounds().contains([lat, lon])) this.map.panTo([lat, lon]);
  }

  /** The tracked report's place: a fixed marker, the map centred on it at `zoom`. */
  showPlace(lat, lon, zoom) {
    const label = "Miejsce zgłoszenia / Place of the report";
    this.place?.remove();
    this.place = L.marker([lat, lon], { keyboard: false, interactive: false, title: label, alt: label })
      .addTo(this.map);
    this.place.getElement()?.classList.add("tracked-place");
    this.map.setView([lat, lon], Math.min(zoom, this.map.getMaxZoom()));
  }

  removePin() {
    this.pin?.remove();
    this.pin = null;
  }

  centre() {
    const centre = this.map.getCenter();
    return { lat: centre.lat, lon: centre.lng };
  }
}
