/** Where Bull Board is mounted in the API process. */
export const BULL_BOARD_ROUTE = '/admin/queues';
