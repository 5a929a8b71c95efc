using DistillKit.Torch;

namespace DistillKit.Tests.Torch;

// The kit side of the golden ops on views, indexing, joining and matrix products.
public static partial class KitOps
{
    static void AddShapes(Dictionary<string, KitOp> d)
    {
        d["view"] = (i, c) => One(i["x"].view(c.Ls("shape")));
        d["reshape"] = (i, c) => One(i["x"].permute(c.Ls("perm")).reshape(c.Ls("shape")));
        d["permute"] = (i, c) => One(i["x"].permute(c.Ls("perm")));
        d["transpose"] = (i, c) => One(i["x"].transpose(c.L("d0"), c.L("d1")));
        d["t"] = (i, c) => One(i["x"].t());
        d["contiguous"] = (i, c) => One(i["x"].transpose(0, 1).contiguous());
        d["flatten"] = (i, c) => One(i["x"].flatten(c.L("start"), c.L("end")));
        d["unsqueeze"] = (i, c) => One(i["x"].unsqueeze(c.L("dim")));
        d["squeeze_dim"] = (i, c) => One(i["x"].squeeze(c.L("dim")));
        d["squeeze"] = (i, c) => One(i["x"].squeeze());
        d["expand"] = (i, c) => One(i["x"].expand(c.Ls("shape")));
        d["expand_as"] = (i, c) => One(i["x"].expand_as(i["y"]));
        d["repeat"] = (i, c) => One(i["x"].repeat(c.Ls("reps")));
        d["narrow"] = (i, c) => One(i["x"].narrow(c.L("dim"), c.L("start"), c.L("len")));
        d["slice"] = (i, c) => One(i["x"].slice(c.L("dim"), c.L("start"), c.OptL("end"), c.L("step")));
        d["select"] = (i, c) => One(i["x"].select(c.L("dim"), c.L("index")));
        d["index"] = (i, c) => One(i["x"].index(Enumerable.Range(0, (int)c.L("n")).Select(k => i.Opt($"i{k}")).ToArray()));
        d["index_put_"] = (i, c) => One(i["x"].clone().index_put_([i["i0"]], i["v"], c.B("acc")));
        d["gather"] = (i, c) => One(i["x"].gather(c.L("dim"), i["idx"]));
        d["scatter"] = (i, c) => One(i["x"].scatter(c.L("dim"), i["idx"], i["src"]));
        d["flip"] = (i, c) => One(i["x"].flip(c.Ls("dims")));
        d["roll"] = (i, c) => One(i["x"].roll(c.Ls("shifts"), c.Ls("dims")));
        d["unbind"] = (i, c) => i["x"].unbind(c.L("dim"));
        d["split"] = (i, c) => c.IsList("size") ? i["x"].split(c.Ls("size"), c.L("dim")) : i["x"].split(c.L("size"), c.L("dim"));
        d["chunk"] = (i, c) => i["x"].chunk(c.L("n"), c.L("dim"));
        d["cat"] = (i, c) => One(torch.cat([i["x"], i["y"], i["z"]], c.L("dim")));
        d["stack"] = (i, c) => One(torch.stack([i["x"], i["y"]], c.L("dim")));
        d["masked_select"] = (i, c) => One(i["x"].masked_select(i["m"]));
        d["nonzero"] = (i, c) => One(i["p"].nonzero());
        d["idx_int_range"] = (i, c) => One(i["x"][1, .., 1..3]);
        d["idx_ellipsis_none"] = (i, c) => One(i["x"][TensorIndex.Ellipsis, TensorIndex.None, 0]);
        d["idx_from_end"] = (i, c) => One(i["x"][.., ^2.., ..^1]);
        d["idx_step"] = (i, c) => One(i["x"][.., TensorIndex.Slice(step: 2), TensorIndex.Slice(1, null, 2)]);
        d["pixel_shuffle"] = (i, c) => One(torch.nn.functional.pixel_shuffle(i["x"], c.L("r")));

        d["mm"] = (i, c) => One(i["x"].mm(i["y"]));
        d["bmm"] = (i, c) => One(i["x"].bmm(i["y"]));
        d["matmul"] = (i, c) => One(i["x"].matmul(i["y"]));
        d["einsum"] = (i, c) => One(torch.einsum(c.S("eq"), i["x"], i["y"]));
        d["linear"] = (i, c) => One(torch.nn.functional.linear(i["x"], i["w"], i.Opt("b")));
    }
}
