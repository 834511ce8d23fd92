// The fixed query set of the sync benchmark's search figures (e), ours and notmuch's.
export const BENCH_QUERIES = ['echographie', 'biologie lipidique', 'dupont', 'kinesitherapie', 'hemoglobine', 'lefevre irm', 'ordonnance', 'cardiologie', 'creatinine', 'hospitalisation'];
