/** The live status answer (GET /api/gym-status), shared by the server and the screens. */
export interface AreaStatus {
  id: string;
  name_en: string;
  name_el: string;
  capacity: number;
  current_users: number;
  occupancy_pct: number;
  is_bookable: boolean;
}

export interface GymStatus {
  areas: AreaStatus[];
  totals: { current_users: number; capacity: number; occupancy_pct: number };
}
