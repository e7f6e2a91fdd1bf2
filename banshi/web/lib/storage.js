// localStorage that never throws (it does when storage is blocked or full).
export function load(key, fallback = null) {
  try {
    const value = localStorage.getItem(key);
    return value === null ? fallback : value;
  } catch {
    return fallback;
  }
}

export function save(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // blocked or full: the setting lasts for this page only
  }
}
