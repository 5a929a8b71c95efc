using DistillKit.Torch;

namespace DistillKit.Tests.Torch;

/// <summary>A kit call equivalent to one reference op of make_op_golden.py (same name there, in OPS).</summary>
public delegate Tensor[] KitOp(GoldenInputs i, GoldenCase c);

/// <summary>The kit side of every golden op name: elementwise math, comparisons, where/clamp, reductions.</summary>
public static partial class KitOps
{
    static readonly Dictionary<string, KitOp> s_ops = Build();

    public static KitOp Get(string op) => s_ops.TryGetValue(op, out var f)
        ? f : throw new KeyNotFoundException($"no kit implementation of golden op '{op}' in tests/Torch/Golden/KitOps.*.cs");

    static Dictionary<string, KitOp> Build()
    {
        var d = new Dictionary<string, KitOp>();
        AddElementwise(d);
        AddReductions(d);
        AddShapes(d);
        AddNn(d);
        return d;
    }

    static Tensor[] One(Tensor t) => [t];
    static Tensor[] Two((Tensor a, Tensor b) p) => [p.a, p.b];

    static readonly Dictionary<string, Func<Tensor, Tensor>> s_unary = new()
    {
        ["neg"] = x => x.neg(), ["abs"] = x => x.abs(), ["exp"] = x => x.exp(), ["log"] = x => x.log(), ["sqrt"] = x => x.sqrt(),
        ["rsqrt"] = x => x.rsqrt(), ["sin"] = x => x.sin(), ["cos"] = x => x.cos(), ["tanh"] = x => x.tanh(),
        ["sigmoid"] = x => x.sigmoid(), ["relu"] = x => x.relu(), ["sign"] = x => x.sign(), ["floor"] = x => x.floor(),
        ["ceil"] = x => x.ceil(), ["round"] = x => x.round(), ["trunc"] = x => x.trunc(), ["frac"] = x => x.frac(),
        ["erf"] = x => x.erf(), ["reciprocal"] = x => x.reciprocal(), ["square"] = x => x.square(), ["expm1"] = x => x.expm1(),
        ["log1p"] = x => x.log1p(),
    };

    static readonly Dictionary<string, Func<Tensor, Tensor>> s_unaryInPlace = new()
    {
        ["exp"] = x => x.exp_(), ["sigmoid"] = x => x.sigmoid_(), ["relu"] = x => x.relu_(), ["sqrt"] = x => x.sqrt_(),
    };

    static void AddElementwise(Dictionary<string, KitOp> d)
    {
        d["add"] = (i, c) => One(i["x"] + i["y"]);
        d["add_alpha"] = (i, c) => One(i["x"].add(i["y"], c.Num("alpha")));
        d["add_scalar"] = (i, c) => One(i["x"] + c.Num("s"));
        d["sub"] = (i, c) => One(i["x"] - i["y"]);
        d["sub_scalar"] = (i, c) => One(i["x"] - c.Num("s"));
        d["rsub_scalar"] = (i, c) => One(c.Num("s") - i["x"]);
        d["mul"] = (i, c) => One(i["x"] * i["y"]);
        d["mul_scalar"] = (i, c) => One(i["x"] * c.Num("s"));
        d["div"] = (i, c) => One(i["x"] / i["y"]);
        d["div_scalar"] = (i, c) => One(i["x"] / c.Num("s"));
        d["rdiv_scalar"] = (i, c) => One(c.Num("s") / i["x"]);
        d["div_mode"] = (i, c) => One(i["x"].div(i["y"], c.S("mode")));
        d["neg"] = (i, c) => One(-i["x"]);
        d["atan2"] = (i, c) => One(i["x"].atan2(i["y"]));
        d["pow_scalar"] = (i, c) => One(i["x"].pow(c.Num("e")));
        d["pow_tensor"] = (i, c) => One(i["x"].pow(i["y"]));
        d["pow_scalar_base"] = (i, c) => One(Tensor.pow(c.Num("s"), i["x"]));
        d["maximum"] = (i, c) => One(i["x"].maximum(i["y"]));
        d["minimum"] = (i, c) => One(i["x"].minimum(i["y"]));
        d["remainder_scalar"] = (i, c) => One(i["x"] % c.Num("s"));
        d["remainder"] = (i, c) => One(i["x"].remainder(i["y"]));
        d["fmod_scalar"] = (i, c) => One(i["x"].fmod(c.Num("s")));
        d["leaky_relu_method"] = (i, c) => One(i["x"].leaky_relu(c.D("slope")));
        d["add_"] = (i, c) => One(i["x"].clone().add_(i["y"], c.Num("alpha")));
        d["add_scalar_"] = (i, c) => One(i["x"].clone().add_(c.Num("s")));
        d["sub_"] = (i, c) => One(i["x"].clone().sub_(i["y"]));
        d["mul_"] = (i, c) => One(i["x"].clone().mul_(i["y"]));
        d["mul_scalar_"] = (i, c) => One(i["x"].clone().mul_(c.Num("s")));
        d["div_"] = (i, c) => One(i["x"].clone().div_(i["y"]));
        d["div_scalar_"] = (i, c) => One(i["x"].clone().div_(c.Num("s")));
        d["addcmul_"] = (i, c) => One(i["x"].clone().addcmul_(i["y"], i["z"], c.Num("v")));
        d["addcdiv_"] = (i, c) => One(i["x"].clone().addcdiv_(i["y"], i["z"], c.Num("v")));
        d["lerp_"] = (i, c) => One(i["x"].clone().lerp_(i["y"], c.Num("v")));
        d["unary"] = (i, c) => One(s_unary[c.S("f")](i["x"]));
        d["unary_"] = (i, c) => One(s_unaryInPlace[c.S("f")](i["x"].clone()));

        d["eq"] = (i, c) => One(i["x"].eq(i["y"]));
        d["ne"] = (i, c) => One(i["x"].ne(i["y"]));
        d["lt"] = (i, c) => One(i["x"].lt(i["y"]));
        d["le"] = (i, c) => One(i["x"].le(i["y"]));
        d["gt"] = (i, c) => One(i["x"].gt(i["y"]));
        d["ge"] = (i, c) => One(i["x"].ge(i["y"]));
        d["eq_scalar"] = (i, c) => One(i["x"].eq(c.Num("s")));
        d["ne_scalar"] = (i, c) => One(i["x"].ne(c.Num("s")));
        d["lt_scalar"] = (i, c) => One(i["x"].lt(c.Num("s")));
        d["le_scalar"] = (i, c) => One(i["x"].le(c.Num("s")));
        d["gt_scalar"] = (i, c) => One(i["x"].gt(c.Num("s")));
        d["ge_scalar"] = (i, c) => One(i["x"].ge(c.Num("s")));
        d["logical_and"] = (i, c) => One(i["p"] & i["q"]);
        d["logical_or"] = (i, c) => One(i["p"] | i["q"]);
        d["logical_xor"] = (i, c) => One(i["p"].logical_xor(i["q"]));
        d["logical_not"] = (i, c) => One(!i["p"]);
        d["isnan"] = (i, c) => One(i["x"].isnan());
        d["isfinite"] = (i, c) => One(i["x"].isfinite());

        d["where"] = (i, c) => One(torch.where(i["c"], i["x"], i["y"]));
        d["where_method"] = (i, c) => One(i["x"].where(i["c"], i["y"]));
        d["masked_fill"] = (i, c) => One(i["x"].masked_fill(i["m"], c.Num("v")));
        d["masked_fill_tensor"] = (i, c) => One(i["x"].masked_fill(i["m"], i["v"]));
        d["clamp"] = (i, c) => One(i["x"].clamp(c.OptNum("min"), c.OptNum("max")));
        d["clamp_min"] = (i, c) => One(i["x"].clamp_min(c.Num("min")));
        d["clamp_max"] = (i, c) => One(i["x"].clamp_max(c.Num("max")));
        d["clamp_tensor"] = (i, c) => One(i["x"].clamp(i["lo"], i["hi"]));
        d["clamp_"] = (i, c) => One(i["x"].clone().clamp_(c.Num("min"), c.Num("max")));
    }

    static void AddReductions(Dictionary<string, KitOp> d)
    {
        // One reduced dimension goes through the single-dim overloads, several through the list overloads.
        d["sum"] = (i, c) => One(!c.HasArg("dims") ? i["x"].sum()
            : c.Ls("dims") is [var one] ? i["x"].sum(one, c.B("keep")) : i["x"].sum(c.Ls("dims"), c.B("keep")));
        d["mean"] = (i, c) => One(!c.HasArg("dims") ? i["x"].mean()
            : c.Ls("dims") is [var one] ? i["x"].mean(one, c.B("keep")) : i["x"].mean(c.Ls("dims"), c.B("keep")));
        d["max_all"] = (i, c) => One(i["x"].max());
        d["min_all"] = (i, c) => One(i["x"].min());
        d["max_dim"] = (i, c) => Two(i["x"].max(c.L("dim"), c.B("keep")));
        d["min_dim"] = (i, c) => Two(i["x"].min(c.L("dim"), c.B("keep")));
        d["amax"] = (i, c) => One(i["x"].amax(c.Ls("dims"), c.B("keep")));
        d["amin"] = (i, c) => One(i["x"].amin(c.Ls("dims"), c.B("keep")));
        d["argmax"] = (i, c) => One(i["x"].argmax(c.OptL("dim"), c.B("keep")));
        d["argmin"] = (i, c) => One(i["x"].argmin(c.OptL("dim"), c.B("keep")));
        d["var"] = (i, c) => One(i["x"].var(c.OptLs("dims"), c.B("unbiased"), c.B("keep")));
        d["std"] = (i, c) => One(i["x"].std(c.OptLs("dims"), c.B("unbiased"), c.B("keep")));
        d["prod"] = (i, c) => One(i["x"].prod());
        d["norm"] = (i, c) => One(i["x"].norm(c.D("p"), c.OptLs("dims"), c.B("keep")));
        d["cumsum"] = (i, c) => One(i["x"].cumsum(c.L("dim")));
        d["any"] = (i, c) => One(i["p"].any());
        d["all"] = (i, c) => One(i["p"].all());
        d["sort"] = (i, c) => Two(i["x"].sort(c.L("dim"), c.B("descending")));
        d["topk"] = (i, c) => Two(i["x"].topk(c.L("k"), c.L("dim"), c.B("largest")));
    }
}
