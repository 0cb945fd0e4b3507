//! [`Number`]: the one number type of forms and evaluated values, with Clojure's equality
//! (`=`: within a category, `1` equals `1N` but not `1.0`, `0.0` equals `-0.0`), a hash
//! that agrees with it, and its EDN text.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use bigdecimal::BigDecimal;
use bigdecimal::num_bigint::BigInt;

/// A number as EDN writes it. The boxed kinds are shared, so cloning is cheap.
#[derive(Clone, Debug)]
pub enum Number {
    /// An integer that fits in 64 bits.
    Int(i64),
    /// An integer written with `N` or too large for 64 bits.
    BigInt(Arc<BigInteger>),
    /// A floating-point number, including `##Inf`, `##-Inf` and `##NaN`.
    Float(f64),
    /// A decimal written with `M`.
    BigDec(Arc<BigDecimal>),
    /// A ratio `n/d` in lowest terms with a positive denominator greater than 1.
    Ratio(Arc<(BigInt, BigInt)>),
}

impl Number {
    /// A short name of the number's kind for messages ("integer", "big integer", ...).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Number::Int(_) => "integer",
            Number::BigInt(_) => "big integer",
            Number::Float(_) => "float",
            Number::BigDec(_) => "big decimal",
            Number::Ratio(_) => "ratio",
        }
    }

    /// A hash that agrees with `==`: each category writes its own tag byte first, and a
    /// big integer that fits in 64 bits hashes as that integer.
    pub fn value_hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Number::Int(i) => {
                state.write_u8(2);
                i.hash(state)
            }
            Number::BigInt(b) => {
                state.write_u8(2);
                match i64::try_from(b.value()) {
                    Ok(i) => i.hash(state),
                    Err(_) => b.hash(state),
                }
            }
            Number::Float(f) => {
                state.write_u8(3);
                // 0.0 and -0.0 are equal, so they must hash alike.
                (if *f == 0.0 { 0.0f64 } else { *f }).to_bits().hash(state)
            }
            Number::BigDec(d) => {
                state.write_u8(4);
                hash_decimal(d, state)
            }
            Number::Ratio(r) => {
                state.write_u8(5);
                r.hash(state)
            }
        }
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        use Number::*;
        match (self, other) {
            (Int(a), Int(b)) => a == b,
            (Int(a), BigInt(b)) | (BigInt(b), Int(a)) => *b.value() == (*a).into(),
            (BigInt(a), BigInt(b)) => a == b,
            (Float(a), Float(b)) => a == b,
            (BigDec(a), BigDec(b)) => a == b,
            (Ratio(a), Ratio(b)) => a == b,
            _ => false,
        }
    }
}

/// The number's EDN text: `1`, `1N`, `1.5`, `##Inf`, `1.50M`, `1/3`.
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::BigInt(b) => write!(f, "{b}N"),
            Number::Float(x) => {
                let mut text = String::new();
                crate::write_float(*x, &mut text);
                f.write_str(&text)
            }
            Number::BigDec(d) => write!(f, "{d}M"),
            Number::Ratio(r) => write!(f, "{}/{}", r.0, r.1),
        }
    }
}

/// A big integer with its decimal digits, which printing copies: converting a big
/// integer to decimal takes more than linear time (1.4 s for 3 million digits), and a
/// value may be printed many times (a pretty layout asks each enclosing collection
/// whether it fits). The reader keeps a literal's digits; an integer made otherwise is
/// converted once, when it is first printed. Equal and hashed by value.
pub struct BigInteger {
    value: BigInt,
    digits: OnceLock<Box<str>>,
}

impl BigInteger {
    /// The integer; its digits are worked out when first needed.
    pub fn new(value: BigInt) -> BigInteger {
        BigInteger {
            value,
            digits: OnceLock::new(),
        }
    }

    /// The integer and its decimal digits as `value` prints them (`-` and the digits,
    /// without leading zeros), which the caller vouches for.
    pub(crate) fn with_digits(value: BigInt, digits: Box<str>) -> BigInteger {
        debug_assert!(digits.len() > 20 || *digits == *value.to_string());
        BigInteger {
            value,
            digits: OnceLock::from(digits),
        }
    }

    /// The integer.
    pub fn value(&self) -> &BigInt {
        &self.value
    }

    /// Its decimal digits, with a `-` when negative.
    pub fn digits(&self) -> &str {
        self.digits.get_or_init(|| self.value.to_string().into())
    }
}

impl Deref for BigInteger {
    type Target = BigInt;

    fn deref(&self) -> &BigInt {
        &self.value
    }
}

impl From<BigInt> for BigInteger {
    fn from(value: BigInt) -> BigInteger {
        BigInteger::new(value)
    }
}

impl PartialEq for BigInteger {
    fn eq(&self, other: &BigInteger) -> bool {
        self.value == other.value
    }
}

impl Eq for BigInteger {}

impl Hash for BigInteger {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state)
    }
}

impl fmt::Debug for BigInteger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.digits())
    }
}

impl fmt::Display for BigInteger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.digits())
    }
}

/// Hashes a decimal by value (`1.0M` and `1.00M` alike) in time proportional to its
/// digits. (`BigDecimal`'s own `Hash` writes out the zeros of its exponent, so
/// `1E4400481630444M` would allocate terabytes.)
fn hash_decimal<H: Hasher>(d: &BigDecimal, state: &mut H) {
    let (digits, scale) = d.normalized().into_bigint_and_exponent();
    digits.hash(state);
    scale.hash(state);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn equal_numbers_hash_alike() {
        let pairs = [
            (Number::Int(1), Number::BigInt(Arc::new(BigInt::from(1).into()))),
            (Number::Float(0.0), Number::Float(-0.0)),
            (
                Number::BigDec(Arc::new("1.0".parse().unwrap())),
                Number::BigDec(Arc::new("1.00".parse().unwrap())),
            ),
        ];
        for (a, b) in pairs {
            assert_eq!(a, b);
            let state = std::collections::hash_map::RandomState::new();
            let (mut ha, mut hb) = (state.build_hasher(), state.build_hasher());
            a.value_hash(&mut ha);
            b.value_hash(&mut hb);
            assert_eq!(ha.finish(), hb.finish(), "{a} and {b}");
        }
        assert_ne!(Number::Int(1), Number::Float(1.0));
    }

    #[test]
    fn edn_text() {
        assert_eq!(Number::Int(-3).to_string(), "-3");
        assert_eq!(Number::BigInt(Arc::new(BigInt::from(7).into())).to_string(), "7N");
        assert_eq!(Number::Float(f64::INFINITY).to_string(), "##Inf");
        assert_eq!(
            Number::Ratio(Arc::new((BigInt::from(1), BigInt::from(3)))).to_string(),
            "1/3"
        );
    }
}
