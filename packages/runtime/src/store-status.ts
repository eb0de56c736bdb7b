/** Whether the store lets this node serve (only PostgreSQL can be away), and if not why: for /readyz. */
export interface StoreStatus {
  ready: boolean;
  /** Empty when ready. */
  reason: string;
}

export const STORE_READY: StoreStatus = { ready: true, reason: "" };

/** Told whenever the store's status changes, from the first connect attempt on (before the server exists). */
export type StoreStatusListener = (status: StoreStatus) => void;
