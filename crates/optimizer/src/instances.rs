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
