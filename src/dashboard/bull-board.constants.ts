/** Where Bull Board is mounted in the API process: in full for staff admins, read-only for viewers. */
export const BULL_BOARD_ROUTE = '/admin/queues';
export const BULL_BOARD_VIEW_ROUTE = '/admin/queues-readonly';
