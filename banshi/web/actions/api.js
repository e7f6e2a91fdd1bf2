// The actions API (banshi/api/routers/actions.py): pending actions, the audit log, reminders.
import { api } from "../lib/api.js";

const id = (x) => encodeURIComponent(x);

export const actionsApi = {
  get: (actionId) => api(`/api/actions/${id(actionId)}`),
  list: (status = "") => api(`/api/actions${status ? `?status=${id(status)}` : ""}`),
  confirm: (actionId) => api(`/api/actions/${id(actionId)}/confirm`, { method: "POST" }),
  reject: (actionId) => api(`/api/actions/${id(actionId)}/reject`, { method: "POST" }),
  audit: () => api("/api/actions/audit?writes_only=true"),
  undo: (entryId) => api(`/api/actions/audit/${id(entryId)}/undo`, { method: "POST" }),
  notifications: () => api("/api/notifications"),
  ack: (reminderId) => api(`/api/notifications/${id(reminderId)}/ack`, { method: "POST" }),
};
