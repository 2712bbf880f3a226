//! Instance parsers: Solomon / Gehring-Homberger text, `luckygas-vrp/1` JSON
//! and `bks.csv` best-known solutions. All parse from `&str`; reading files is
//! the caller's business.

use std::collections::HashMap;

use serde_json::Value;

use crate::model::{
    Depot, DistanceUnit, Job, Matrix, Objective, Problem, TimeWindow, Vehicle, amount,
};

/// Parses an instance in either supported format (JSON if it starts with `{`).
pub fn parse_instance(name: &str, text: &str) -> Result<Problem, String> {
    if text.trim_start().starts_with('{') {
        parse_luckygas(text)
    } else {
        parse_solomon(name, text)
    }
}

/// Parses the Solomon / Gehring-Homberger VRPTW text format. Distances are
/// unrounded Euclidean and travel time equals distance.
pub fn parse_solomon(name: &str, text: &str) -> Result<Problem, String> {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().ok_or("empty instance")?;
    let instance_name = if name.is_empty() { first } else { name };
    let mut fleet: Option<(usize, i64)> = None;
    let mut rows: Vec<[f64; 7]> = Vec::new();
    for line in lines {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let nums: Option<Vec<f64>> = fields.iter().map(|f| f.parse::<f64>().ok()).collect();
        let Some(nums) = nums else { continue };
        if fleet.is_none() && nums.len() == 2 {
            fleet = Some((nums[0] as usize, nums[1] as i64));
        } else if nums.len() == 7 {
            rows.push([
                nums[0], nums[1], nums[2], nums[3], nums[4], nums[5], nums[6],
            ]);
        } else {
            return Err(format!("unexpected line: {line}"));
        }
    }
    let (count, capacity) = fleet.ok_or("missing vehicle number and capacity")?;
    if rows.len() < 2 {
        return Err("need a depot and at least one customer".into());
    }
    let points: Vec<(f64, f64)> = rows.iter().map(|r| (r[1], r[2])).collect();
    let matrix = Matrix::euclidean(&points);
    let depot_row = rows[0];
    let depot = Depot {
        location: 0,
        open: depot_row[4],
        close: depot_row[5],
    };
    let vehicles = (0..count)
        .map(|k| Vehicle {
            id: format!("v{}", k + 1),
            capacity: amount(&[capacity]),
            shift_start: depot.open,
            shift_end: depot.close,
            max_shift: f64::INFINITY,
        })
        .collect();
    let jobs = rows[1..]
        .iter()
        .enumerate()
        .map(|(k, r)| Job {
            id: format!("{}", r[0] as i64),
            location: Some(k + 1),
            demand: amount(&[r[3] as i64]),
            windows: vec![TimeWindow::new(r[4], r[5])],
            service: r[6],
            required_vehicle: None,
            priority: 0,
        })
        .collect();
    Ok(Problem {
        name: instance_name.to_string(),
        depot,
        vehicles,
        jobs,
        matrix,
        locked: Vec::new(),
        objective: Objective::VehiclesThenDistance,
        distance_unit: DistanceUnit::Plain,
        dimensions: vec!["demand".into()],
    })
}

fn num(v: &Value, what: &str) -> Result<f64, String> {
    v.as_f64()
        .ok_or_else(|| format!("{what}: expected a number"))
}

fn field<'a>(v: &'a Value, key: &str) -> Result<&'a Value, String> {
    v.get(key).ok_or_else(|| format!("missing field `{key}`"))
}

fn int(v: &Value, key: &str) -> Result<i64, String> {
    field(v, key)?
        .as_i64()
        .ok_or_else(|| format!("`{key}`: expected an integer"))
}

fn windows(v: &Value) -> Result<Vec<TimeWindow>, String> {
    let arr = v.as_array().ok_or("`tw`: expected an array")?;
    if arr.len() == 2 && arr.iter().all(Value::is_number) {
        return Ok(vec![TimeWindow::new(
            num(&arr[0], "tw")?,
            num(&arr[1], "tw")?,
        )]);
    }
    arr.iter()
        .map(|w| {
            let p = w
                .as_array()
                .filter(|p| p.len() == 2)
                .ok_or("`tw`: bad window")?;
            Ok(TimeWindow::new(num(&p[0], "tw")?, num(&p[1], "tw")?))
        })
        .collect()
}

fn square(v: &Value, n: usize, what: &str) -> Result<Vec<f64>, String> {
    let rows = v
        .as_array()
        .ok_or_else(|| format!("{what}: expected rows"))?;
    if rows.len() != n {
        return Err(format!("{what}: expected {n} rows, got {}", rows.len()));
    }
    let mut out = Vec::with_capacity(n * n);
    for row in rows {
        let row = row.as_array().ok_or_else(|| format!("{what}: bad row"))?;
        if row.len() != n {
            return Err(format!("{what}: expected {n} columns"));
        }
        for x in row {
            out.push(num(x, what)?);
        }
    }
    Ok(out)
}

/// Parses the `luckygas-vrp/1` JSON format (two capacity dimensions: kg and
/// slots). A customer's `tw` may be one window `[a, b]` or a list of windows.
pub fn parse_luckygas(text: &str) -> Result<Problem, String> {
    let root: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let format = field(&root, "format")?.as_str().unwrap_or_default();
    if format != "luckygas-vrp/1" {
        return Err(format!("unsupported format `{format}`"));
    }
    let name = field(&root, "name")?
        .as_str()
        .unwrap_or("luckygas")
        .to_string();
    let depot_v = field(&root, "depot")?;
    let depot_tw = windows(field(depot_v, "tw")?)?;
    let depot_tw = depot_tw.first().ok_or("depot: missing tw")?;
    let depot = Depot {
        location: usize::try_from(int(depot_v, "index")?).map_err(|_| "depot: bad index")?,
        open: depot_tw.start,
        close: depot_tw.end,
    };
    let vehicles = field(&root, "vehicles")?
        .as_array()
        .ok_or("`vehicles`: expected an array")?
        .iter()
        .map(|v| {
            Ok(Vehicle {
                id: field(v, "id")?.as_str().unwrap_or_default().to_string(),
                capacity: amount(&[int(v, "capacity_kg")?, int(v, "capacity_slots")?]),
                shift_start: int(v, "shift_earliest_s")? as f64,
                shift_end: int(v, "shift_latest_end_s")? as f64,
                max_shift: v
                    .get("max_shift_s")
                    .and_then(Value::as_f64)
                    .unwrap_or(f64::INFINITY),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let customers = field(&root, "customers")?
        .as_array()
        .ok_or("`customers`: expected an array")?;
    let matrix_v = field(&root, "matrix")?;
    let n = customers.len() + 1;
    let distance = square(field(matrix_v, "distance_m")?, n, "distance_m")?;
    let duration = square(field(matrix_v, "duration_s")?, n, "duration_s")?;
    let matrix = Matrix::new(n, duration, distance)?;
    let jobs = customers
        .iter()
        .map(|c| {
            let location = match c.get("index") {
                Some(Value::Null) | None => None,
                Some(v) => {
                    let i = v.as_u64().ok_or("customer: bad index")? as usize;
                    if i >= n {
                        return Err(format!("customer index {i} out of range"));
                    }
                    Some(i)
                }
            };
            Ok(Job {
                id: field(c, "id")?.as_str().unwrap_or_default().to_string(),
                location,
                demand: amount(&[int(c, "weight_kg")?, int(c, "slots")?]),
                windows: windows(field(c, "tw")?)?,
                service: num(field(c, "service_s")?, "service_s")?,
                required_vehicle: None,
                priority: 0,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Problem {
        name,
        depot,
        vehicles,
        jobs,
        matrix,
        locked: Vec::new(),
        objective: Objective::Distance,
        distance_unit: DistanceUnit::Metres,
        dimensions: vec!["kg".into(), "slots".into()],
    })
}

/// Generates a synthetic `luckygas-vrp/1`-like delivery day in Taoyuan:
/// `customers` orders (85 % in eight neighbourhoods, 15 % rural; households,
/// restaurants and businesses with the cylinder mix, windows and service
/// times of the benchmark days) and `trucks` trucks (a quarter small:
/// 900 kg / 20 slots, the rest medium: 1 800 kg / 48 slots; 08:00-18:00,
/// at most 8 h). Road distance is haversine x 1.3, driven at 30 km/h.
pub fn synthetic_day(customers: usize, trucks: usize, seed: u64) -> Problem {
    const CENTRES: [(f64, f64); 8] = [
        (24.993, 121.301),
        (24.965, 121.225),
        (24.928, 121.284),
        (24.945, 121.218),
        (25.046, 121.292),
        (25.009, 121.359),
        (25.064, 121.196),
        (24.883, 121.287),
    ];
    let mut rng = crate::prng::Rng::new(seed);
    let gauss = |rng: &mut crate::prng::Rng| {
        let u = rng.f64().max(1e-12);
        let v = rng.f64();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    };
    let mut pts = vec![(24.99, 121.30)];
    let mut jobs = Vec::with_capacity(customers);
    // Gross weight and slots per cylinder size: 50, 20, 16, 10, 4 kg.
    let sizes = [(90, 2), (35, 1), (29, 1), (18, 1), (8, 1)];
    for k in 0..customers {
        let rural = rng.f64() < 0.15;
        let pt = if rural {
            (24.86 + 0.22 * rng.f64(), 121.17 + 0.21 * rng.f64())
        } else {
            let c = CENTRES[rng.below(CENTRES.len())];
            let sd = 0.009 + 0.004 * rng.f64();
            (c.0 + sd * gauss(&mut rng), c.1 + sd * gauss(&mut rng) * 1.1)
        };
        pts.push(pt);
        let kind = if rural {
            0
        } else {
            let x = rng.f64();
            if x < 0.84 {
                0
            } else if x < 0.94 {
                1
            } else {
                2
            }
        };
        let mut counts = [0i64; 5];
        match kind {
            0 => {
                let x = rng.f64();
                let n = if x < 0.78 {
                    1
                } else if x < 0.98 {
                    2
                } else {
                    3
                };
                let y = rng.f64();
                let size = if y < 0.5 {
                    1
                } else if y < 0.86 {
                    2
                } else if y < 0.95 {
                    3
                } else {
                    4
                };
                counts[size] = n;
            }
            1 => {
                counts[0] = [2, 2, 3, 3, 4, 5, 6][rng.below(7)];
                if rng.f64() < 0.25 {
                    counts[1] = 1;
                }
            }
            _ => {
                if rng.f64() < 0.6 {
                    counts[0] = rng.range(1, 3) as i64;
                } else {
                    counts[1] = rng.range(2, 4) as i64;
                }
            }
        }
        let kg: i64 = counts.iter().zip(&sizes).map(|(n, s)| n * s.0).sum();
        let slots: i64 = counts.iter().zip(&sizes).map(|(n, s)| n * s.1).sum();
        let cylinders: i64 = counts.iter().sum();
        let hour = 3600.0;
        let window = if kind == 1 {
            if rng.f64() < 0.75 {
                (9.0, 11.0)
            } else {
                (14.0, 16.0)
            }
        } else {
            let x = rng.f64();
            if x < 0.62 {
                (8.0, 18.0)
            } else if x < 0.92 {
                let h = rng.range(8, 14) as f64;
                (h, h + 2.0)
            } else if rng.f64() < 0.5 {
                (8.0, 12.0)
            } else {
                (13.0, 17.0)
            }
        };
        let service = if kind == 1 {
            (600 + 60 * (cylinders - 2).max(0)).min(900)
        } else {
            let extra = match (kind, rural) {
                (2, _) => 180,
                (_, true) => 120,
                _ => 0,
            };
            (300 + 120 * (cylinders - 1) + extra).clamp(300, 900)
        };
        jobs.push(Job {
            id: format!("c{}", k + 1),
            location: Some(k + 1),
            demand: amount(&[kg, slots]),
            windows: vec![TimeWindow::new(window.0 * hour, window.1 * hour)],
            service: service as f64,
            required_vehicle: None,
            priority: 0,
        });
    }
    let n = pts.len();
    let mut distance = vec![0.0; n * n];
    let mut duration = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let (la1, lo1) = (pts[i].0.to_radians(), pts[i].1.to_radians());
            let (la2, lo2) = (pts[j].0.to_radians(), pts[j].1.to_radians());
            let h = ((la2 - la1) / 2.0).sin().powi(2)
                + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
            let km = 2.0 * 6371.0088 * h.sqrt().asin() * 1.3;
            distance[i * n + j] = (km * 1000.0).round();
            duration[i * n + j] = (km * 120.0).round();
        }
    }
    let small = if trucks >= 2 {
        trucks.div_ceil(4).max(1)
    } else {
        0
    };
    let vehicles = (0..trucks)
        .map(|k| Vehicle {
            id: format!("truck{}", k + 1),
            capacity: if k < small {
                amount(&[900, 20])
            } else {
                amount(&[1800, 48])
            },
            shift_start: 28_800.0,
            shift_end: 64_800.0,
            max_shift: 28_800.0,
        })
        .collect();
    Problem {
        name: format!("synthetic-taoyuan-n{customers}-v{trucks}-s{seed}"),
        depot: Depot {
            location: 0,
            open: 28_800.0,
            close: 64_800.0,
        },
        vehicles,
        jobs,
        matrix: Matrix::new(n, duration, distance).expect("square matrix"),
        locked: Vec::new(),
        objective: Objective::Distance,
        distance_unit: DistanceUnit::Metres,
        dimensions: vec!["kg".into(), "slots".into()],
    }
}

/// Best-known result of an instance: vehicles and distance at that count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BestKnown {
    pub vehicles: usize,
    pub distance: f64,
}

/// Parses a `bks.csv` (`instance,vehicles,distance,...` with a header line).
/// Keys are instance names as written in the file (e.g. `C101`, `C1_2_1`).
pub fn parse_bks(text: &str) -> Result<HashMap<String, BestKnown>, String> {
    let mut out = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 || line.trim().is_empty() {
            continue;
        }
        let mut parts = line.splitn(4, ',');
        let name = parts.next().unwrap_or_default().trim().to_string();
        let vehicles = parts
            .next()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .ok_or_else(|| format!("bks line {}: bad vehicles", i + 1))?;
        let distance = parts
            .next()
            .and_then(|v| v.trim().parse::<f64>().ok())
            .ok_or_else(|| format!("bks line {}: bad distance", i + 1))?;
        out.insert(name, BestKnown { vehicles, distance });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = "T1\n\nVEHICLE\nNUMBER     CAPACITY\n  2         50\n\nCUSTOMER\n\
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME\n\n\
    0      0         0          0          0       1000          0\n\
    1      3         4         10        0        100         5\n\
    2      6         8         20        10       200         5\n";

    #[test]
    fn solomon_tiny() {
        let p = parse_solomon("", TINY).unwrap();
        assert_eq!(p.name, "T1");
        assert_eq!(p.vehicles.len(), 2);
        assert_eq!(p.vehicles[0].capacity[0], 50);
        assert_eq!(p.jobs.len(), 2);
        assert!((p.matrix.distance(0, 2) - 10.0).abs() < 1e-12);
        assert_eq!(p.jobs[1].windows[0], TimeWindow::new(10.0, 200.0));
        assert!((p.depot.close - 1000.0).abs() < 1e-12);
    }

    #[test]
    fn luckygas_tiny_and_multi_windows() {
        let json = r#"{"format":"luckygas-vrp/1","name":"x","depot":{"index":0,"tw":[100,900]},
        "vehicles":[{"id":"t1","capacity_kg":900,"capacity_slots":20,"shift_earliest_s":100,
        "shift_latest_end_s":900,"max_shift_s":500}],
        "customers":[{"id":"c1","index":1,"weight_kg":35,"slots":1,"tw":[[100,200],[300,400]],"service_s":10},
        {"id":"c2","index":null,"weight_kg":35,"slots":1,"tw":[100,800],"service_s":10}],
        "matrix":{"distance_m":[[0,5,1],[5,0,1],[1,1,0]],"duration_s":[[0,6,1],[6,0,1],[1,1,0]]}}"#;
        let p = parse_luckygas(json).unwrap();
        assert_eq!(p.jobs[0].windows.len(), 2);
        assert_eq!(p.jobs[1].location, None);
        assert!((p.matrix.duration(0, 1) - 6.0).abs() < 1e-12);
        assert_eq!(p.vehicles[0].capacity, amount(&[900, 20]));
        assert!(parse_luckygas(&json.replace("luckygas-vrp/1", "other")).is_err());
    }

    #[test]
    fn bks_csv() {
        let text = "instance,vehicles,distance,source\nC101,10,828.94,\"a, b\"\nR101,19,1650.8,x\n";
        let b = parse_bks(text).unwrap();
        assert_eq!(b["C101"].vehicles, 10);
        assert!((b["R101"].distance - 1650.8).abs() < 1e-9);
    }
}
