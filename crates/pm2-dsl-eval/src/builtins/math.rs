//! Numbers: `+ - * / mod inc dec min max even? odd? zero? pos? neg?` on 64-bit integers and floats (mixing them
//! gives a float; integer overflow and division by zero are errors; `/` on integers that
//! do not divide gives a ratio), and comparison: `=` and `not=` on any values, `< > <= >=`
//! on numbers.

use std::cmp::Ordering;
use std::sync::Arc;

use pm2_dsl_reader::{BigInt, Number};

use super::{Builtin, Call, builtin};
use crate::error::{EvalError, EvalErrorKind};
use crate::evaluator::Evaluator;
use crate::value::{Value, ValueKind};

pub(crate) const FUNCTIONS: &[Builtin] = &[
    builtin("+", 0, None, add).doc(
        "(+ x...)",
        "The sum (0 for none). Integer overflow is an error.",
    ),
    builtin("-", 1, None, sub).doc(
        "(- x) (- x y...)",
        "Negation, or x minus the others.",
    ),
    builtin("*", 0, None, mul).doc(
        "(* x...)",
        "The product (1 for none).",
    ),
    builtin("/", 1, None, div).doc(
        "(/ x) (/ x y...)",
        "The reciprocal, or x divided by the others; integers divide to a ratio when not exact. Division by zero is an error.",
    ),
    builtin("mod", 2, Some(2), modulo).doc(
        "(mod n d)",
        "n modulo d, with the sign of d.",
    ),
    builtin("inc", 1, Some(1), inc).doc(
        "(inc x)",
        "x plus one.",
    ),
    builtin("dec", 1, Some(1), dec).doc(
        "(dec x)",
        "x minus one.",
    ),
    builtin("min", 1, None, min).doc(
        "(min x...)",
        "The smallest argument.",
    ),
    builtin("max", 1, None, max).doc(
        "(max x...)",
        "The largest argument.",
    ),
    builtin("even?", 1, Some(1), even).doc(
        "(even? n)",
        "Whether the integer is even.",
    ),
    builtin("odd?", 1, Some(1), odd).doc(
        "(odd? n)",
        "Whether the integer is odd.",
    ),
    builtin("zero?", 1, Some(1), zero).doc(
        "(zero? x)",
        "Whether the number is zero.",
    ),
    builtin("pos?", 1, Some(1), pos).doc(
        "(pos? x)",
        "Whether the number is greater than zero.",
    ),
    builtin("neg?", 1, Some(1), neg).doc(
        "(neg? x)",
        "Whether the number is less than zero.",
    ),
    builtin("=", 1, None, eq).doc(
        "(= x y...)",
        "Whether all arguments are equal as values (1 equals 1N; lists equal vectors with the same elements).",
    ),
    builtin("not=", 1, None, not_eq).doc(
        "(not= x y...)",
        "Whether some arguments differ.",
    ),
    builtin("<", 1, None, lt).doc(
        "(< x y...)",
        "Whether the numbers strictly increase.",
    ),
    builtin(">", 1, None, gt).doc(
        "(> x y...)",
        "Whether the numbers strictly decrease.",
    ),
    builtin("<=", 1, None, le).doc(
        "(<= x y...)",
        "Whether the numbers never decrease.",
    ),
    builtin(">=", 1, None, ge).doc(
        "(>= x y...)",
        "Whether the numbers never increase.",
    ),
];

#[derive(Clone, Copy)]
enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}

fn num(call: &Call, i: usize) -> Result<Num, EvalError> {
    match call.args[i].kind() {
        ValueKind::Number(Number::Int(n)) => Ok(Num::Int(*n)),
        ValueKind::Number(Number::Float(f)) => Ok(Num::Float(*f)),
        _ => Err(call.type_error(i, "a number (integer or float)")),
    }
}

fn overflow(call: &Call) -> EvalError {
    EvalError::new(
        EvalErrorKind::Arithmetic {
            message: format!("integer overflow in `{}`", call.name),
        },
        Some(call.span),
    )
}

fn to_value(call: &Call, n: Num) -> Value {
    call.value(match n {
        Num::Int(i) => ValueKind::Number(Number::Int(i)),
        Num::Float(f) => ValueKind::Number(Number::Float(f)),
    })
}

/// Folds the arguments with an integer operation (checked) and a float one.
fn fold(
    call: &Call,
    init: Num,
    ints: fn(i64, i64) -> Option<i64>,
    floats: fn(f64, f64) -> f64,
) -> Result<Value, EvalError> {
    let mut acc = init;
    for i in 0..call.args.len() {
        acc = match (acc, num(call, i)?) {
            (Num::Int(a), Num::Int(b)) => Num::Int(ints(a, b).ok_or_else(|| overflow(call))?),
            (a, b) => Num::Float(floats(a.as_f64(), b.as_f64())),
        };
    }
    Ok(to_value(call, acc))
}

fn add(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    fold(&call, Num::Int(0), i64::checked_add, |a, b| a + b)
}

fn mul(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    fold(&call, Num::Int(1), i64::checked_mul, |a, b| a * b)
}

fn sub(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let first = num(&call, 0)?;
    if call.args.len() == 1 {
        return match first {
            Num::Int(i) => Ok(to_value(
                &call,
                Num::Int(i.checked_neg().ok_or_else(|| overflow(&call))?),
            )),
            Num::Float(f) => Ok(to_value(&call, Num::Float(-f))),
        };
    }
    let rest = Call::new(call.name, call.args[1..].to_vec(), call.span);
    fold(&rest, first, i64::checked_sub, |a, b| a - b)
}

fn divide_by_zero(call: &Call, i: usize) -> EvalError {
    EvalError::new(
        EvalErrorKind::Arithmetic {
            message: "division by zero".into(),
        },
        call.args[i].origin().or(Some(call.span)),
    )
}

/// `n/d` in lowest terms with a positive denominator (`d` is not 0 and does not divide
/// `n`). Worked in 128 bits, so `i64::MIN` in either place cannot overflow.
fn ratio(n: i64, d: i64) -> (BigInt, BigInt) {
    let (mut n, mut d) = (i128::from(n), i128::from(d));
    let (mut a, mut b) = (n.unsigned_abs(), d.unsigned_abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    let g = a as i128;
    (n, d) = (n / g, d / g);
    if d < 0 {
        (n, d) = (-n, -d);
    }
    (BigInt::from(n), BigInt::from(d))
}

fn div(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let (mut acc, start) = if call.args.len() == 1 {
        (Num::Int(1), 0)
    } else {
        (num(&call, 0)?, 1)
    };
    for i in start..call.args.len() {
        acc = match (acc, num(&call, i)?) {
            (Num::Int(_), Num::Int(0)) => return Err(divide_by_zero(&call, i)),
            // `i64::MIN / -1` has no 64-bit answer.
            (Num::Int(a), Num::Int(b)) if a.checked_rem(b) == Some(0) || a.checked_rem(b).is_none() => {
                Num::Int(a.checked_div(b).ok_or_else(|| overflow(&call))?)
            }
            (Num::Int(a), Num::Int(b)) if i + 1 == call.args.len() => {
                return Ok(call.value(ValueKind::Number(Number::Ratio(Arc::new(ratio(a, b))))));
            }
            (a, b) => Num::Float(a.as_f64() / b.as_f64()),
        };
    }
    Ok(to_value(&call, acc))
}

fn modulo(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let result = match (num(&call, 0)?, num(&call, 1)?) {
        (Num::Int(_), Num::Int(0)) => return Err(divide_by_zero(&call, 1)),
        // The result has the divisor's sign and is smaller than it, so it fits in 64
        // bits; 128 bits keep `i64::MIN % -1` from overflowing on the way.
        (Num::Int(a), Num::Int(b)) => {
            let (a, b) = (i128::from(a), i128::from(b));
            Num::Int((((a % b) + b) % b) as i64)
        }
        (a, b) => {
            let (a, b) = (a.as_f64(), b.as_f64());
            Num::Float(((a % b) + b) % b)
        }
    };
    Ok(to_value(&call, result))
}

fn step(call: &Call, delta: i64) -> Result<Value, EvalError> {
    match num(call, 0)? {
        Num::Int(i) => Ok(to_value(
            call,
            Num::Int(i.checked_add(delta).ok_or_else(|| overflow(call))?),
        )),
        Num::Float(f) => Ok(to_value(call, Num::Float(f + delta as f64))),
    }
}

fn inc(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    step(&call, 1)
}

fn dec(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    step(&call, -1)
}

fn extreme(call: &Call, want: Ordering) -> Result<Value, EvalError> {
    let mut best = 0;
    for i in 1..call.args.len() {
        if num(call, i)?.as_f64().partial_cmp(&num(call, best)?.as_f64()) == Some(want) {
            best = i;
        }
    }
    num(call, best)?;
    Ok(call.args[best].clone())
}

fn min(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    extreme(&call, Ordering::Less)
}

fn max(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    extreme(&call, Ordering::Greater)
}

fn parity(call: &Call, odd: bool) -> Result<Value, EvalError> {
    let n = call.int(0)?;
    Ok(call.value(ValueKind::Bool((n % 2 != 0) == odd)))
}

fn even(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    parity(&call, false)
}

fn odd(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    parity(&call, true)
}

fn sign(call: &Call, holds: fn(Ordering) -> bool) -> Result<Value, EvalError> {
    let order = match num(call, 0)? {
        Num::Int(i) => Some(i.cmp(&0)),
        Num::Float(f) => f.partial_cmp(&0.0),
    };
    Ok(call.value(ValueKind::Bool(order.is_some_and(holds))))
}

fn zero(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    sign(&call, Ordering::is_eq)
}

fn pos(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    sign(&call, Ordering::is_gt)
}

fn neg(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    sign(&call, Ordering::is_lt)
}

fn eq(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let all = call.args.windows(2).all(|w| w[0] == w[1]);
    Ok(call.value(ValueKind::Bool(all)))
}

fn not_eq(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let all = call.args.windows(2).all(|w| w[0] == w[1]);
    Ok(call.value(ValueKind::Bool(!all)))
}

fn compare(call: &Call, holds: fn(Ordering) -> bool) -> Result<Value, EvalError> {
    let nums = (0..call.args.len())
        .map(|i| num(call, i))
        .collect::<Result<Vec<_>, _>>()?;
    let all = nums.windows(2).all(|w| {
        let order = match (w[0], w[1]) {
            (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
            (a, b) => a.as_f64().partial_cmp(&b.as_f64()),
        };
        order.is_some_and(holds)
    });
    Ok(call.value(ValueKind::Bool(all)))
}

fn lt(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    compare(&call, Ordering::is_lt)
}

fn gt(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    compare(&call, Ordering::is_gt)
}

fn le(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    compare(&call, Ordering::is_le)
}

fn ge(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    compare(&call, Ordering::is_ge)
}
