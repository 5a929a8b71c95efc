namespace DistillKit.Torch;

// Elementwise arithmetic, math and comparisons (broadcasting as in PyTorch).
public partial class Tensor
{
    static readonly Op s_add = new("aten::add", "Tensor"), s_addS = new("aten::add", "Scalar");
    static readonly Op s_sub = new("aten::sub", "Tensor"), s_subS = new("aten::sub", "Scalar"), s_rsubS = new("aten::rsub", "Scalar");
    static readonly Op s_mul = new("aten::mul", "Tensor"), s_mulS = new("aten::mul", "Scalar");
    static readonly Op s_div = new("aten::div", "Tensor"), s_divS = new("aten::div", "Scalar"), s_divMode = new("aten::div", "Tensor_mode");
    static readonly Op s_add_ = new("aten::add_", "Tensor"), s_addS_ = new("aten::add_", "Scalar");
    static readonly Op s_sub_ = new("aten::sub_", "Tensor"), s_mul_ = new("aten::mul_", "Tensor"), s_mulS_ = new("aten::mul_", "Scalar");
    static readonly Op s_div_ = new("aten::div_", "Tensor"), s_divS_ = new("aten::div_", "Scalar");
    static readonly Op s_addcmul_ = new("aten::addcmul_"), s_addcdiv_ = new("aten::addcdiv_"), s_lerpS_ = new("aten::lerp_", "Scalar");
    static readonly Op s_neg = new("aten::neg"), s_abs = new("aten::abs"), s_exp = new("aten::exp"), s_log = new("aten::log");
    static readonly Op s_sqrt = new("aten::sqrt"), s_rsqrt = new("aten::rsqrt"), s_sin = new("aten::sin"), s_cos = new("aten::cos");
    static readonly Op s_tanh = new("aten::tanh"), s_sigmoid = new("aten::sigmoid"), s_relu = new("aten::relu"), s_sign = new("aten::sign");
    static readonly Op s_floor = new("aten::floor"), s_ceil = new("aten::ceil"), s_round = new("aten::round"), s_log1p = new("aten::log1p");
    static readonly Op s_expm1 = new("aten::expm1"), s_erf = new("aten::erf"), s_reciprocal = new("aten::reciprocal"), s_square = new("aten::square");
    static readonly Op s_atan2 = new("aten::atan2"), s_trunc = new("aten::trunc"), s_frac = new("aten::frac");
    static readonly Op s_powS = new("aten::pow", "Tensor_Scalar"), s_powT = new("aten::pow", "Tensor_Tensor"), s_powSc = new("aten::pow", "Scalar");
    static readonly Op s_clamp = new("aten::clamp"), s_clampT = new("aten::clamp", "Tensor"), s_clamp_ = new("aten::clamp_");
    static readonly Op s_maximum = new("aten::maximum"), s_minimum = new("aten::minimum");
    static readonly Op s_remS = new("aten::remainder", "Scalar"), s_remT = new("aten::remainder", "Tensor"), s_fmodS = new("aten::fmod", "Scalar");
    static readonly Op s_eq = new("aten::eq", "Tensor"), s_eqS = new("aten::eq", "Scalar"), s_ne = new("aten::ne", "Tensor"), s_neS = new("aten::ne", "Scalar");
    static readonly Op s_lt = new("aten::lt", "Tensor"), s_ltS = new("aten::lt", "Scalar"), s_le = new("aten::le", "Tensor"), s_leS = new("aten::le", "Scalar");
    static readonly Op s_gt = new("aten::gt", "Tensor"), s_gtS = new("aten::gt", "Scalar"), s_ge = new("aten::ge", "Tensor"), s_geS = new("aten::ge", "Scalar");
    static readonly Op s_land = new("aten::logical_and"), s_lor = new("aten::logical_or"), s_lnot = new("aten::logical_not"), s_lxor = new("aten::logical_xor");
    static readonly Op s_isnan = new("aten::isnan"), s_isfinite = new("aten::isfinite");
    static readonly Op s_whereSelf = new("aten::where", "self"), s_maskedFill = new("aten::masked_fill", "Scalar"), s_maskedFillT = new("aten::masked_fill", "Tensor");
    static readonly Op s_zero_ = new("aten::zero_"), s_fill_ = new("aten::fill_", "Scalar"), s_copy_ = new("aten::copy_");
    static readonly Op s_normal_ = new("aten::normal_"), s_uniform_ = new("aten::uniform_"), s_sqrt_ = new("aten::sqrt_");
    static readonly Op s_sigmoid_ = new("aten::sigmoid_"), s_relu_ = new("aten::relu_"), s_exp_ = new("aten::exp_");
    static readonly Op s_leakyRelu = new("aten::leaky_relu");

    public Tensor add(Tensor other, Scalar? alpha = null) => Call.Start().T(this).T(other).S(alpha ?? 1).Tensor(s_add);
    public Tensor add(Scalar other) => Call.Start().T(this).S(other).Tensor(s_addS);
    public Tensor sub(Tensor other) => Call.Start().T(this).T(other).Tensor(s_sub);
    public Tensor sub(Scalar other) => Call.Start().T(this).S(other).Tensor(s_subS);
    public Tensor mul(Tensor other) => Call.Start().T(this).T(other).Tensor(s_mul);
    public Tensor mul(Scalar other) => Call.Start().T(this).S(other).Tensor(s_mulS);
    public Tensor div(Tensor other) => Call.Start().T(this).T(other).Tensor(s_div);
    public Tensor div(Scalar other) => Call.Start().T(this).S(other).Tensor(s_divS);

    /// <summary>Division with rounding mode "trunc" or "floor" (null = true division).</summary>
    public Tensor div(Tensor other, string? rounding_mode) => Call.Start().T(this).T(other).OptStr(rounding_mode).Tensor(s_divMode);

    public Tensor add_(Tensor other, Scalar? alpha = null) { Call.Start().T(this).T(other).S(alpha ?? 1).Void(s_add_); return this; }
    public Tensor add_(Scalar other) { Call.Start().T(this).S(other).Void(s_addS_); return this; }
    public Tensor sub_(Tensor other) { Call.Start().T(this).T(other).Void(s_sub_); return this; }
    public Tensor mul_(Tensor other) { Call.Start().T(this).T(other).Void(s_mul_); return this; }
    public Tensor mul_(Scalar other) { Call.Start().T(this).S(other).Void(s_mulS_); return this; }
    public Tensor div_(Tensor other) { Call.Start().T(this).T(other).Void(s_div_); return this; }
    public Tensor div_(Scalar other) { Call.Start().T(this).S(other).Void(s_divS_); return this; }

    /// <summary>this += value * t1 * t2.</summary>
    public Tensor addcmul_(Tensor t1, Tensor t2, Scalar? value = null) { Call.Start().T(this).T(t1).T(t2).S(value ?? 1).Void(s_addcmul_); return this; }

    /// <summary>this += value * t1 / t2.</summary>
    public Tensor addcdiv_(Tensor t1, Tensor t2, Scalar? value = null) { Call.Start().T(this).T(t1).T(t2).S(value ?? 1).Void(s_addcdiv_); return this; }

    /// <summary>this += weight * (end - this).</summary>
    public Tensor lerp_(Tensor end, Scalar weight) { Call.Start().T(this).T(end).S(weight).Void(s_lerpS_); return this; }

    public Tensor neg() => Call.Start().T(this).Tensor(s_neg);
    public Tensor abs() => Call.Start().T(this).Tensor(s_abs);
    public Tensor exp() => Call.Start().T(this).Tensor(s_exp);
    public Tensor log() => Call.Start().T(this).Tensor(s_log);
    public Tensor log1p() => Call.Start().T(this).Tensor(s_log1p);
    public Tensor expm1() => Call.Start().T(this).Tensor(s_expm1);
    public Tensor sqrt() => Call.Start().T(this).Tensor(s_sqrt);
    public Tensor rsqrt() => Call.Start().T(this).Tensor(s_rsqrt);
    public Tensor sin() => Call.Start().T(this).Tensor(s_sin);
    public Tensor cos() => Call.Start().T(this).Tensor(s_cos);
    public Tensor tanh() => Call.Start().T(this).Tensor(s_tanh);
    public Tensor sigmoid() => Call.Start().T(this).Tensor(s_sigmoid);
    public Tensor relu() => Call.Start().T(this).Tensor(s_relu);
    public Tensor leaky_relu(double negative_slope = 0.01) => Call.Start().T(this).S(negative_slope).Tensor(s_leakyRelu);
    public Tensor sign() => Call.Start().T(this).Tensor(s_sign);
    public Tensor floor() => Call.Start().T(this).Tensor(s_floor);
    public Tensor ceil() => Call.Start().T(this).Tensor(s_ceil);
    public Tensor round() => Call.Start().T(this).Tensor(s_round);
    public Tensor trunc() => Call.Start().T(this).Tensor(s_trunc);
    public Tensor frac() => Call.Start().T(this).Tensor(s_frac);
    public Tensor erf() => Call.Start().T(this).Tensor(s_erf);
    public Tensor reciprocal() => Call.Start().T(this).Tensor(s_reciprocal);
    public Tensor square() => Call.Start().T(this).Tensor(s_square);
    public Tensor atan2(Tensor other) => Call.Start().T(this).T(other).Tensor(s_atan2);
    public Tensor pow(Scalar exponent) => Call.Start().T(this).S(exponent).Tensor(s_powS);
    public Tensor pow(Tensor exponent) => Call.Start().T(this).T(exponent).Tensor(s_powT);
    public Tensor sqrt_() { Call.Start().T(this).Void(s_sqrt_); return this; }
    public Tensor sigmoid_() { Call.Start().T(this).Void(s_sigmoid_); return this; }
    public Tensor relu_() { Call.Start().T(this).Void(s_relu_); return this; }
    public Tensor exp_() { Call.Start().T(this).Void(s_exp_); return this; }

    /// <summary>Clamps to [min, max]; either bound may be null.</summary>
    public Tensor clamp(Scalar? min = null, Scalar? max = null) => Call.Start().T(this).OptS(min).OptS(max).Tensor(s_clamp);
    public Tensor clamp(Tensor? min, Tensor? max) => Call.Start().T(this).OptT(min).OptT(max).Tensor(s_clampT);
    public Tensor clamp_(Scalar? min = null, Scalar? max = null) { Call.Start().T(this).OptS(min).OptS(max).Void(s_clamp_); return this; }
    public Tensor clamp_min(Scalar min) => clamp(min, null);
    public Tensor clamp_max(Scalar max) => clamp(null, max);
    public Tensor maximum(Tensor other) => Call.Start().T(this).T(other).Tensor(s_maximum);
    public Tensor minimum(Tensor other) => Call.Start().T(this).T(other).Tensor(s_minimum);
    public Tensor remainder(Scalar other) => Call.Start().T(this).S(other).Tensor(s_remS);
    public Tensor remainder(Tensor other) => Call.Start().T(this).T(other).Tensor(s_remT);
    public Tensor fmod(Scalar other) => Call.Start().T(this).S(other).Tensor(s_fmodS);

    public Tensor eq(Tensor o) => Call.Start().T(this).T(o).Tensor(s_eq);
    public Tensor eq(Scalar o) => Call.Start().T(this).S(o).Tensor(s_eqS);
    public Tensor ne(Tensor o) => Call.Start().T(this).T(o).Tensor(s_ne);
    public Tensor ne(Scalar o) => Call.Start().T(this).S(o).Tensor(s_neS);
    public Tensor lt(Tensor o) => Call.Start().T(this).T(o).Tensor(s_lt);
    public Tensor lt(Scalar o) => Call.Start().T(this).S(o).Tensor(s_ltS);
    public Tensor le(Tensor o) => Call.Start().T(this).T(o).Tensor(s_le);
    public Tensor le(Scalar o) => Call.Start().T(this).S(o).Tensor(s_leS);
    public Tensor gt(Tensor o) => Call.Start().T(this).T(o).Tensor(s_gt);
    public Tensor gt(Scalar o) => Call.Start().T(this).S(o).Tensor(s_gtS);
    public Tensor ge(Tensor o) => Call.Start().T(this).T(o).Tensor(s_ge);
    public Tensor ge(Scalar o) => Call.Start().T(this).S(o).Tensor(s_geS);
    public Tensor logical_and(Tensor o) => Call.Start().T(this).T(o).Tensor(s_land);
    public Tensor logical_or(Tensor o) => Call.Start().T(this).T(o).Tensor(s_lor);
    public Tensor logical_xor(Tensor o) => Call.Start().T(this).T(o).Tensor(s_lxor);
    public Tensor logical_not() => Call.Start().T(this).Tensor(s_lnot);
    public Tensor isnan() => Call.Start().T(this).Tensor(s_isnan);
    public Tensor isfinite() => Call.Start().T(this).Tensor(s_isfinite);

    /// <summary>Elements of this where <paramref name="condition"/> is true, else of <paramref name="other"/>.</summary>
    public Tensor where(Tensor condition, Tensor other) => Call.Start().T(condition).T(this).T(other).Tensor(s_whereSelf);
    public Tensor masked_fill(Tensor mask, Scalar value) => Call.Start().T(this).T(mask).S(value).Tensor(s_maskedFill);
    public Tensor masked_fill(Tensor mask, Tensor value) => Call.Start().T(this).T(mask).T(value).Tensor(s_maskedFillT);

    public Tensor zero_() { Call.Start().T(this).Void(s_zero_); return this; }
    public Tensor fill_(Scalar v) { Call.Start().T(this).S(v).Void(s_fill_); return this; }
    public Tensor copy_(Tensor src) { Call.Start().T(this).T(src).Void(s_copy_); return this; }
    public Tensor normal_(double mean = 0, double std = 1) { Call.Start().T(this).D(mean).D(std).Void(s_normal_); return this; }
    public Tensor uniform_(double from = 0, double to = 1) { Call.Start().T(this).D(from).D(to).Void(s_uniform_); return this; }

    public static Tensor operator +(Tensor a, Tensor b) => a.add(b);
    public static Tensor operator +(Tensor a, Scalar b) => a.add(b);
    public static Tensor operator +(Scalar a, Tensor b) => b.add(a);
    public static Tensor operator -(Tensor a, Tensor b) => a.sub(b);
    public static Tensor operator -(Tensor a, Scalar b) => a.sub(b);
    public static Tensor operator -(Scalar a, Tensor b) => Call.Start().T(b).S(a).Tensor(s_rsubS);
    public static Tensor operator *(Tensor a, Tensor b) => a.mul(b);
    public static Tensor operator *(Tensor a, Scalar b) => a.mul(b);
    public static Tensor operator *(Scalar a, Tensor b) => b.mul(a);
    public static Tensor operator /(Tensor a, Tensor b) => a.div(b);
    public static Tensor operator /(Tensor a, Scalar b) => a.div(b);
    public static Tensor operator /(Scalar a, Tensor b)
    {
        using var r = b.reciprocal(); // not in place: ReciprocalBackward needs its output unchanged
        return r.mul(a);
    }
    public static Tensor operator -(Tensor a) => a.neg();
    public static Tensor operator %(Tensor a, Scalar b) => a.remainder(b);
    public static Tensor operator &(Tensor a, Tensor b) => a.logical_and(b);
    public static Tensor operator |(Tensor a, Tensor b) => a.logical_or(b);
    public static Tensor operator !(Tensor a) => a.logical_not();

    /// <summary>a ** b for a scalar base.</summary>
    public static Tensor pow(Scalar self, Tensor exponent) => Call.Start().S(self).T(exponent).Tensor(s_powSc);
}
