namespace DistillKit.Torch;

// Views and shape manipulation, reductions, matrix products, dtype and device moves.
public partial class Tensor
{
    static readonly Op s_view = new("aten::view"), s_reshape = new("aten::reshape"), s_permute = new("aten::permute");
    static readonly Op s_transpose = new("aten::transpose", "int"), s_contiguous = new("aten::contiguous"), s_flatten = new("aten::flatten", "using_ints");
    static readonly Op s_unsqueeze = new("aten::unsqueeze"), s_squeezeDim = new("aten::squeeze", "dim"), s_squeeze = new("aten::squeeze");
    static readonly Op s_expand = new("aten::expand"), s_repeat = new("aten::repeat"), s_narrow = new("aten::narrow");
    static readonly Op s_slice = new("aten::slice", "Tensor"), s_select = new("aten::select", "int"), s_index = new("aten::index", "Tensor");
    static readonly Op s_indexPut_ = new("aten::index_put_"), s_flip = new("aten::flip"), s_roll = new("aten::roll");
    static readonly Op s_gather = new("aten::gather"), s_scatter = new("aten::scatter", "src"), s_unbind = new("aten::unbind", "int");
    static readonly Op s_split = new("aten::split", "Tensor"), s_splitSizes = new("aten::split_with_sizes"), s_chunk = new("aten::chunk");
    static readonly Op s_sum = new("aten::sum"), s_sumDim = new("aten::sum", "dim_IntList"), s_mean = new("aten::mean"), s_meanDim = new("aten::mean", "dim");
    static readonly Op s_max = new("aten::max"), s_min = new("aten::min"), s_maxDim = new("aten::max", "dim"), s_minDim = new("aten::min", "dim");
    static readonly Op s_amax = new("aten::amax"), s_amin = new("aten::amin"), s_argmax = new("aten::argmax"), s_argmin = new("aten::argmin");
    static readonly Op s_var = new("aten::var", "dim"), s_std = new("aten::std", "dim"), s_prod = new("aten::prod");
    static readonly Op s_vnorm = new("aten::linalg_vector_norm"), s_cumsum = new("aten::cumsum"), s_any = new("aten::any"), s_all = new("aten::all");
    static readonly Op s_sort = new("aten::sort"), s_topk = new("aten::topk"), s_nonzero = new("aten::nonzero"), s_maskedSelect = new("aten::masked_select");
    static readonly Op s_matmul = new("aten::matmul"), s_bmm = new("aten::bmm"), s_mm = new("aten::mm");
    static readonly Op s_toDtype = new("aten::to", "dtype"), s_toDevice = new("aten::to", "device"), s_detach = new("aten::detach"), s_clone = new("aten::clone");
    static readonly Op s_detach_ = new("aten::detach_"), s_unfoldView = new("aten::unfold");

    public Tensor view(params long[] shape) => Call.Start().T(this).Ints(shape).Tensor(s_view);
    public Tensor reshape(params long[] shape) => Call.Start().T(this).Ints(shape).Tensor(s_reshape);
    public Tensor permute(params long[] dims) => Call.Start().T(this).Ints(dims).Tensor(s_permute);
    public Tensor transpose(long dim0, long dim1) => Call.Start().T(this).I(dim0).I(dim1).Tensor(s_transpose);
    public Tensor t() => transpose(0, 1);
    public Tensor contiguous() => Call.Start().T(this).Tensor(s_contiguous);
    public Tensor flatten(long start_dim = 0, long end_dim = -1) => Call.Start().T(this).I(start_dim).I(end_dim).Tensor(s_flatten);
    public Tensor unsqueeze(long dim) => Call.Start().T(this).I(dim).Tensor(s_unsqueeze);
    public Tensor squeeze(long dim) => Call.Start().T(this).I(dim).Tensor(s_squeezeDim);
    public Tensor squeeze() => Call.Start().T(this).Tensor(s_squeeze);

    /// <summary>Broadcasts to <paramref name="shape"/> (-1 keeps a dimension) without copying.</summary>
    public Tensor expand(params long[] shape) => Call.Start().T(this).Ints(shape).Tensor(s_expand);
    public Tensor expand_as(Tensor other) => expand(other.shape);
    public Tensor view_as(Tensor other) => view(other.shape);
    public Tensor repeat(params long[] repeats) => Call.Start().T(this).Ints(repeats).Tensor(s_repeat);
    public Tensor narrow(long dim, long start, long length) => Call.Start().T(this).I(dim).I(start).I(length).Tensor(s_narrow);

    /// <summary>Sliding windows of <paramref name="size"/> along <paramref name="dim"/> as a new last dimension (a view, no copy).</summary>
    public Tensor unfold(long dim, long size, long step) => Call.Start().T(this).I(dim).I(size).I(step).Tensor(s_unfoldView);

    /// <summary>Elements start..end (exclusive, null = open) with a step along a dimension, as a view.</summary>
    public Tensor slice(long dim, long? start, long? end, long step = 1) => Call.Start().T(this).I(dim).OptI(start).OptI(end).I(step).Tensor(s_slice);
    public Tensor select(long dim, long index) => Call.Start().T(this).I(dim).I(index).Tensor(s_select);

    /// <summary>Advanced indexing with one optional index tensor per leading dimension (null = full slice).</summary>
    public Tensor index(params Tensor?[] indices) => Call.Start().T(this).OptTensors(indices).Tensor(s_index);
    public Tensor index_put_(Tensor?[] indices, Tensor values, bool accumulate = false)
    {
        Call.Start().T(this).OptTensors(indices).T(values).B(accumulate).Void(s_indexPut_);
        return this;
    }

    public Tensor flip(params long[] dims) => Call.Start().T(this).Ints(dims).Tensor(s_flip);
    public Tensor roll(long[] shifts, long[] dims) => Call.Start().T(this).Ints(shifts).Ints(dims).Tensor(s_roll);
    public Tensor gather(long dim, Tensor index) => Call.Start().T(this).I(dim).T(index).Tensor(s_gather);
    public Tensor scatter(long dim, Tensor index, Tensor src) => Call.Start().T(this).I(dim).T(index).T(src).Tensor(s_scatter);
    public Tensor[] unbind(long dim = 0) => Call.Start().T(this).I(dim).Tensors(s_unbind);
    public Tensor[] split(long split_size, long dim = 0) => Call.Start().T(this).I(split_size).I(dim).Tensors(s_split);
    public Tensor[] split(long[] split_sizes, long dim = 0) => Call.Start().T(this).Ints(split_sizes).I(dim).Tensors(s_splitSizes);
    public Tensor[] chunk(long chunks, long dim = 0) => Call.Start().T(this).I(chunks).I(dim).Tensors(s_chunk);

    // ------------------------------------------------------------------ reductions

    public Tensor sum() => Call.Start().T(this).Tensor(s_sum);
    public Tensor sum(long dim, bool keepdim = false) => Call.Start().T(this).Ints([dim]).B(keepdim).Tensor(s_sumDim);
    public Tensor sum(long[] dims, bool keepdim = false) => Call.Start().T(this).Ints(dims).B(keepdim).Tensor(s_sumDim);
    public Tensor mean() => Call.Start().T(this).Tensor(s_mean);
    public Tensor mean(long dim, bool keepdim = false) => Call.Start().T(this).Ints([dim]).B(keepdim).Tensor(s_meanDim);
    public Tensor mean(long[] dims, bool keepdim = false) => Call.Start().T(this).Ints(dims).B(keepdim).Tensor(s_meanDim);
    public Tensor max() => Call.Start().T(this).Tensor(s_max);
    public Tensor min() => Call.Start().T(this).Tensor(s_min);

    /// <summary>Maximum along a dimension: (values, indices).</summary>
    public (Tensor values, Tensor indices) max(long dim, bool keepdim = false)
    {
        var r = Call.Start().T(this).I(dim).B(keepdim).Tensors(s_maxDim);
        return (r[0], r[1]);
    }

    public (Tensor values, Tensor indices) min(long dim, bool keepdim = false)
    {
        var r = Call.Start().T(this).I(dim).B(keepdim).Tensors(s_minDim);
        return (r[0], r[1]);
    }

    public Tensor amax(long[] dims, bool keepdim = false) => Call.Start().T(this).Ints(dims).B(keepdim).Tensor(s_amax);
    public Tensor amin(long[] dims, bool keepdim = false) => Call.Start().T(this).Ints(dims).B(keepdim).Tensor(s_amin);
    public Tensor argmax(long? dim = null, bool keepdim = false) => Call.Start().T(this).OptI(dim).B(keepdim).Tensor(s_argmax);
    public Tensor argmin(long? dim = null, bool keepdim = false) => Call.Start().T(this).OptI(dim).B(keepdim).Tensor(s_argmin);
    public Tensor var(long[]? dims = null, bool unbiased = true, bool keepdim = false) => Call.Start().T(this).OptInts(dims).B(unbiased).B(keepdim).Tensor(s_var);
    public Tensor std(long[]? dims = null, bool unbiased = true, bool keepdim = false) => Call.Start().T(this).OptInts(dims).B(unbiased).B(keepdim).Tensor(s_std);
    public Tensor prod() => Call.Start().T(this).Tensor(s_prod);

    /// <summary>Vector p-norm over <paramref name="dims"/> (null = all elements).</summary>
    public Tensor norm(double p = 2, long[]? dims = null, bool keepdim = false) => Call.Start().T(this).S(p).OptInts(dims).B(keepdim).Tensor(s_vnorm);
    public Tensor cumsum(long dim) => Call.Start().T(this).I(dim).Tensor(s_cumsum);
    public Tensor any() => Call.Start().T(this).Tensor(s_any);
    public Tensor all() => Call.Start().T(this).Tensor(s_all);

    public (Tensor values, Tensor indices) sort(long dim = -1, bool descending = false)
    {
        var r = Call.Start().T(this).I(dim).B(descending).Tensors(s_sort);
        return (r[0], r[1]);
    }

    public (Tensor values, Tensor indices) topk(long k, long dim = -1, bool largest = true, bool sorted = true)
    {
        var r = Call.Start().T(this).I(k).I(dim).B(largest).B(sorted).Tensors(s_topk);
        return (r[0], r[1]);
    }

    public Tensor nonzero() => Call.Start().T(this).Tensor(s_nonzero);
    public Tensor masked_select(Tensor mask) => Call.Start().T(this).T(mask).Tensor(s_maskedSelect);

    // ------------------------------------------------------------------ products

    public Tensor matmul(Tensor other) => Call.Start().T(this).T(other).Tensor(s_matmul);
    public Tensor bmm(Tensor other) => Call.Start().T(this).T(other).Tensor(s_bmm);
    public Tensor mm(Tensor other) => Call.Start().T(this).T(other).Tensor(s_mm);

    // ------------------------------------------------------------------ dtype, device, graph

    /// <summary>Converts the element type (a no-op returning an alias when it already matches).</summary>
    public Tensor to_type(ScalarType type, bool copy = false) => Call.Start().T(this).Dtype(type).B(false).B(copy).Tensor(s_toDtype);
    public Tensor to(ScalarType type) => to_type(type);

    /// <summary>Moves to a device (keeping the dtype).</summary>
    public Tensor to(Device device, bool copy = false) => Call.Start().T(this).Dev(device).Dtype(dtype).B(false).B(copy).Tensor(s_toDevice);
    public Tensor cpu() => to(Device.CPU);
    public Tensor cuda() => to(Device.CUDA);
    public Tensor @float() => to_type(ScalarType.Float32);
    public Tensor @double() => to_type(ScalarType.Float64);
    public Tensor @long() => to_type(ScalarType.Int64);
    public Tensor @bool() => to_type(ScalarType.Bool);

    /// <summary>The same data cut from the autograd graph.</summary>
    public Tensor detach() => Call.Start().T(this).Tensor(s_detach);
    public Tensor detach_() { Call.Start().T(this).Void(s_detach_); return this; }
    public Tensor clone() => Call.Start().T(this).Tensor(s_clone);
}
