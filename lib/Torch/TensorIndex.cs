namespace DistillKit.Torch;

/// <summary>One index of <c>tensor[...]</c>: an integer, a slice, <c>...</c>, a new axis, or an index tensor.</summary>
public sealed class TensorIndex
{
    internal enum K { Single, Slice, Ellipsis, NewAxis, Tensor }

    internal K Kind { get; private init; }
    internal long Index { get; private init; }
    internal long? Start { get; private init; }
    internal long? Stop { get; private init; }
    internal long Step { get; private init; } = 1;
    internal Tensor? Tensor { get; private init; }

    public static TensorIndex Single(long i) => new() { Kind = K.Single, Index = i };
    public static TensorIndex Slice(long? start = null, long? stop = null, long step = 1) => new() { Kind = K.Slice, Start = start, Stop = stop, Step = step };

    /// <summary>The whole dimension (<c>:</c>).</summary>
    public static readonly TensorIndex Colon = Slice();
    public static readonly TensorIndex Ellipsis = new() { Kind = K.Ellipsis };

    /// <summary>A new axis of size 1 (<c>None</c> in PyTorch).</summary>
    public static readonly TensorIndex None = new() { Kind = K.NewAxis };
    public static TensorIndex Tensor_(Tensor t) => new() { Kind = K.Tensor, Tensor = t };

    public static implicit operator TensorIndex(long i) => Single(i);
    public static implicit operator TensorIndex(int i) => Single(i);
    public static implicit operator TensorIndex(Tensor t) => Tensor_(t);

    /// <summary>A C# index: <c>^1</c> is the last element (-1); <c>^0</c> is past the end and refused.</summary>
    public static implicit operator TensorIndex(Index i) => !i.IsFromEnd ? Single(i.Value)
        : i.Value > 0 ? Single(-i.Value) : throw new ArgumentOutOfRangeException(nameof(i), "^0 is past the last element");

    /// <summary>A C# range: <c>1..^1</c> is <c>1:-1</c>, <c>..</c> the whole dimension.</summary>
    public static implicit operator TensorIndex(Range r) => Slice(
        r.Start.IsFromEnd ? (r.Start.Value == 0 ? null : -r.Start.Value) : r.Start.Value,
        r.End.IsFromEnd ? (r.End.Value == 0 ? null : -r.End.Value) : r.End.Value);
}

public partial class Tensor
{
    /// <summary>PyTorch-style indexing: integers, ranges, <see cref="TensorIndex.Ellipsis"/>, <see cref="TensorIndex.None"/> and index tensors.</summary>
    public Tensor this[params TensorIndex[] indices]
    {
        get => Index(indices);
        set
        {
            using var scope = torch.NewDisposeScope();
            var (view, tensorIdx) = BasicIndex(indices);
            if (tensorIdx is null) view.copy_(value);
            else view.index_put_(tensorIdx, value);
        }
    }

    /// <summary>Fills the indexed region with a number.</summary>
    public void index_fill(TensorIndex[] indices, Scalar value)
    {
        using var scope = torch.NewDisposeScope();
        var (view, tensorIdx) = BasicIndex(indices);
        if (tensorIdx is null) view.fill_(value);
        else
        {
            using var v = torch.full([], value, view.dtype, view.device);
            view.index_put_(tensorIdx, v);
        }
    }

    Tensor Index(TensorIndex[] indices)
    {
        Tensor result;
        using (var scope = torch.NewDisposeScope())
        {
            var (view, tensorIdx) = BasicIndex(indices);
            result = tensorIdx is null ? view : view.index(tensorIdx);
            scope.MoveToOuter(result);
        }
        return result;
    }

    /// <summary>Dimensions an index uses up: a boolean mask covers as many as it has.</summary>
    static int Consumes(TensorIndex i) => i.Kind switch
    {
        TensorIndex.K.Single or TensorIndex.K.Slice => 1,
        TensorIndex.K.Tensor => i.Tensor!.dtype is ScalarType.Bool or ScalarType.Byte ? i.Tensor.dim() : 1,
        _ => 0,
    };

    /// <summary>Applies integer/slice/new-axis indices as views; returns advanced-index tensors per dimension, if any.</summary>
    (Tensor view, Tensor?[]? tensorIdx) BasicIndex(TensorIndex[] indices)
    {
        int consumed = indices.Sum(Consumes);
        if (indices.Count(i => i.Kind == TensorIndex.K.Ellipsis) > 1) throw new ArgumentException("at most one ellipsis in an index");
        int nd = dim();
        if (consumed > nd) throw new ArgumentException($"too many indices ({consumed}) for a tensor of {nd} dimensions");
        var view = alias();
        var tensorIdx = new List<Tensor?>();
        bool anyTensor = false;
        int d = 0;
        foreach (var ix in indices)
        {
            switch (ix.Kind)
            {
                case TensorIndex.K.Single:
                    view = view.select(d, ix.Index);
                    break;
                case TensorIndex.K.Slice:
                    if (ix.Start is not null || ix.Stop is not null || ix.Step != 1) view = view.slice(d, ix.Start, ix.Stop, ix.Step);
                    tensorIdx.Add(null);
                    d++;
                    break;
                case TensorIndex.K.NewAxis:
                    view = view.unsqueeze(d);
                    tensorIdx.Add(null);
                    d++;
                    break;
                case TensorIndex.K.Ellipsis:
                    int skip = nd - consumed;
                    for (int k = 0; k < skip; k++) tensorIdx.Add(null);
                    d += skip;
                    break;
                case TensorIndex.K.Tensor:
                    tensorIdx.Add(ix.Tensor);
                    anyTensor = true;
                    d += Consumes(ix);
                    break;
            }
        }
        return (view, anyTensor ? tensorIdx.ToArray() : null);
    }
}
