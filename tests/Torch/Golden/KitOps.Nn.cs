using DistillKit.Torch;
using static DistillKit.Torch.torch.nn;
using F = DistillKit.Torch.torch.nn.functional;

namespace DistillKit.Tests.Torch;

// The kit side of the golden ops of torch.nn.functional.
public static partial class KitOps
{
    static PaddingMode Padding(string s) => s switch
    {
        "constant" => PaddingMode.Constant, "reflect" => PaddingMode.Reflect, "replicate" => PaddingMode.Replicate,
        _ => throw new ArgumentException($"pad mode {s}"),
    };

    static InterpolationMode Interpolation(string s) => s switch
    {
        "nearest" => InterpolationMode.Nearest, "bilinear" => InterpolationMode.Bilinear, "bicubic" => InterpolationMode.Bicubic,
        _ => throw new ArgumentException($"interpolation mode {s}"),
    };

    static GridSampleMode Sampling(string s) => s switch
    {
        "bilinear" => GridSampleMode.Bilinear, "nearest" => GridSampleMode.Nearest, "bicubic" => GridSampleMode.Bicubic,
        _ => throw new ArgumentException($"grid_sample mode {s}"),
    };

    static GridPaddingMode GridPadding(string s) => s switch
    {
        "zeros" => GridPaddingMode.Zeros, "border" => GridPaddingMode.Border, "reflection" => GridPaddingMode.Reflection,
        _ => throw new ArgumentException($"grid_sample padding {s}"),
    };

    static Reduction Red(string s) => s switch
    {
        "none" => Reduction.None, "mean" => Reduction.Mean, "sum" => Reduction.Sum, _ => throw new ArgumentException($"reduction {s}"),
    };

    static long[] Pair(GoldenCase c, string key) => c.IsList(key) ? c.Ls(key) : [c.L(key), c.L(key)];

    static Tensor[] BatchNorm(GoldenInputs i, GoldenCase c)
    {
        var rm = i.Opt("rm")?.clone();
        var rv = i.Opt("rv")?.clone();
        var y = F.batch_norm(i["x"], rm, rv, i.Opt("w"), i.Opt("b"), c.B("training"), c.D("momentum"), c.D("eps"));
        return new[] { y, rm, rv }.OfType<Tensor>().ToArray();
    }

    static void AddNn(Dictionary<string, KitOp> d)
    {
        d["pad"] = (i, c) => One(F.pad(i["x"], c.Ls("pad"), Padding(c.S("mode")), c.OptD("value") ?? 0));
        d["interpolate"] = (i, c) => One(F.interpolate(i["x"], c.OptLs("size"), c.HasArg("scale") ? [c.D("scale")] : null,
            Interpolation(c.S("mode")), c.OptB("align")));
        d["grid_sample"] = (i, c) => One(F.grid_sample(i["x"], i["grid"], Sampling(c.S("mode")), GridPadding(c.S("padding")), c.B("align")));
        d["affine_grid"] = (i, c) => One(F.affine_grid(i["theta"], c.Ls("size"), c.B("align")));
        // Integer arguments go through the scalar overload, [h, w] pairs through the array overload.
        d["conv2d"] = (i, c) => One(c.IsList("stride")
            ? F.conv2d(i["x"], i["w"], i.Opt("b"), Pair(c, "stride"), Pair(c, "padding"), Pair(c, "dilation"), c.L("groups"))
            : F.conv2d(i["x"], i["w"], i.Opt("b"), c.L("stride"), c.L("padding"), c.L("dilation"), c.L("groups")));
        d["conv_transpose2d"] = (i, c) => One(F.conv_transpose2d(i["x"], i["w"], i.Opt("b"), c.L("stride"), c.L("padding"),
            c.L("output_padding"), c.L("groups"), c.L("dilation")));
        d["max_pool2d"] = (i, c) => One(F.max_pool2d(i["x"], c.L("k"), c.OptL("stride"), c.L("padding"), c.L("dilation"), c.B("ceil")));
        d["avg_pool2d"] = (i, c) => One(F.avg_pool2d(i["x"], c.L("k"), c.OptL("stride"), c.L("padding"), c.B("ceil"), c.B("include_pad")));
        d["adaptive_avg_pool2d"] = (i, c) => One(F.adaptive_avg_pool2d(i["x"], c.Ls("size")));
        d["batch_norm"] = BatchNorm;
        d["instance_norm"] = (i, c) => One(F.instance_norm(i["x"], weight: i.Opt("w"), bias: i.Opt("b"), eps: c.D("eps")));
        d["group_norm"] = (i, c) => One(F.group_norm(i["x"], c.L("groups"), i.Opt("w"), i.Opt("b"), c.D("eps")));
        d["layer_norm"] = (i, c) => One(F.layer_norm(i["x"], c.Ls("shape"), i.Opt("w"), i.Opt("b"), c.D("eps")));
        d["softmax"] = (i, c) => One(F.softmax(i["x"], c.L("dim")));
        d["log_softmax"] = (i, c) => One(F.log_softmax(i["x"], c.L("dim")));
        d["relu"] = (i, c) => One(F.relu(i["x"]));
        d["leaky_relu"] = (i, c) => One(F.leaky_relu(i["x"], c.D("slope")));
        d["elu"] = (i, c) => One(F.elu(i["x"], c.D("alpha")));
        d["gelu"] = (i, c) => One(F.gelu(i["x"]));
        d["softplus"] = (i, c) => One(F.softplus(i["x"], c.D("beta"), c.D("threshold")));
        d["silu"] = (i, c) => One(F.silu(i["x"]));
        d["f_sigmoid"] = (i, c) => One(F.sigmoid(i["x"]));
        d["f_tanh"] = (i, c) => One(F.tanh(i["x"]));
        d["hardtanh"] = (i, c) => One(F.hardtanh(i["x"], c.D("min"), c.D("max")));
        d["dropout_eval"] = (i, c) => One(F.dropout(i["x"], 0.5, training: false));
        d["unfold"] = (i, c) => One(F.unfold(i["x"], c.L("k"), c.L("dilation"), c.L("padding"), c.L("stride")));
        d["fold"] = (i, c) => One(F.fold(i["x"], c.Ls("size"), c.L("k"), c.L("dilation"), c.L("padding"), c.L("stride")));
        d["mse_loss"] = (i, c) => One(F.mse_loss(i["x"], i["t"], Red(c.S("red"))));
        d["l1_loss"] = (i, c) => One(F.l1_loss(i["x"], i["t"], Red(c.S("red"))));
        d["smooth_l1_loss"] = (i, c) => One(F.smooth_l1_loss(i["x"], i["t"], Red(c.S("red")), c.D("beta")));
        d["cross_entropy"] = (i, c) => One(F.cross_entropy(i["x"], i["t"], i.Opt("w"), Red(c.S("red")), c.L("ignore"), c.D("smooth")));
        d["bce_logits"] = (i, c) => One(F.binary_cross_entropy_with_logits(i["x"], i["t"], Red(c.S("red"))));
        d["normalize"] = (i, c) => One(F.normalize(i["x"], c.D("p"), c.L("dim")));
        d["cosine_similarity"] = (i, c) => One(F.cosine_similarity(i["x"], i["y"], c.L("dim")));
        d["one_hot"] = (i, c) => One(F.one_hot(i["x"], c.L("n")));
    }
}
