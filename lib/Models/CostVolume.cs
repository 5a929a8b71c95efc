using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Models;

/// <summary>How a local cost volume is computed (same result, different speed and memory). Written by name in JSON.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<CostVolumeMode>))]
public enum CostVolumeMode
{
    /// <summary>The straightforward form: shift the target features (2r+1)² times, multiply, sum over channels.</summary>
    ShiftMultiply,

    /// <summary>
    /// Shift-and-multiply on channels-last copies ([B,H,W,C], made once), so each of the (2r+1)² channel sums is a
    /// contiguous inner reduction; autograd's generic backward. FastFlowNet's default; `./kit bench costvolume`
    /// measures it against the others.
    /// </summary>
    ChannelsLast,

    /// <summary>One im2col of the padded target ([B, C·(2r+1)², HW], a large copy) and one multiply-reduce.</summary>
    Im2Col,

    /// <summary>
    /// <see cref="ChannelsLast"/>'s forward with a hand-written backward (<see cref="ChannelsLastCorrelation"/>): the
    /// (2r+1)² gradient planes are accumulated in place into one channels-last buffer per input (2·(2r+1)² addcmul_),
    /// where autograd's generic backward gives every shift its own zero-padded copy of the target (a slice backward per
    /// narrow) and sums them. The kit's default for PWC-Net: a third less time than <see cref="ChannelsLast"/> for the
    /// cost volume's forward and backward at mini (41 → 28 ms per stage-1 step in PyTorch), 2.4× less at 256×512.
    /// </summary>
    ChannelsLastOwnBackward,
}

/// <summary>Local correlation (cost volume) between two feature maps.</summary>
public static class CostVolume
{
    /// <summary>
    /// Dot products over channels between f1(p) and f2(p + d) for every displacement d in a (2r+1)×(2r+1) window,
    /// zero outside f2. f1, f2: [B,C,H,W]; result [B,(2r+1)²,H,W], channel k = (dy + r)·(2r+1) + (dx + r)
    /// (row-major, dy outer). Not divided by C (PWC-Net, DDFlow variant: features are L2-normalised before).
    /// </summary>
    public static Tensor Compute(Tensor f1, Tensor f2, int radius, CostVolumeMode mode = CostVolumeMode.ChannelsLast)
    {
        var s = f1.shape;
        if (s.Length != 4 || !s.SequenceEqual(f2.shape))
            throw new ArgumentException($"cost volume needs two [B,C,H,W] maps of one shape, got [{string.Join(",", s)}] and [{string.Join(",", f2.shape)}]");
        long b = s[0], c = s[1], h = s[2], w = s[3], k = 2 * radius + 1;
        if (mode == CostVolumeMode.ChannelsLastOwnBackward)
            return torch.is_grad_enabled() && (f1.requires_grad || f2.requires_grad)
                ? ChannelsLastCorrelation.apply(f1, f2, radius)
                : Compute(f1, f2, radius, CostVolumeMode.ChannelsLast);
        using var scope = torch.NewDisposeScope();
        Tensor result;
        if (mode == CostVolumeMode.Im2Col)
        {
            var cols = unfold(f2, k, padding: radius).view(b, c, k * k, h * w);
            result = f1.view(b, c, 1, h * w).mul(cols).sum(1).view(b, k * k, h, w);
        }
        else if (mode == CostVolumeMode.ChannelsLast)
        {
            var (a, p) = ChannelsLastCopies(f1, f2, radius);
            result = ShiftSums(a, p, radius);
        }
        else
        {
            var padded = pad(f2, [radius, radius, radius, radius]);
            var slices = new List<Tensor>((int)(k * k));
            for (int dy = 0; dy < k; dy++)
                for (int dx = 0; dx < k; dx++)
                    slices.Add(f1.mul(padded.narrow(2, dy, h).narrow(3, dx, w)).sum(1, keepdim: true));
            result = torch.cat(slices, 1);
        }
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Channels-last copies of f1 [B,H,W,C] and of f2 zero-padded by r on every side [B,H+2r,W+2r,C].</summary>
    internal static (Tensor a, Tensor p) ChannelsLastCopies(Tensor f1, Tensor f2, int radius) =>
        (f1.permute(0, 2, 3, 1).contiguous(), pad(f2, [radius, radius, radius, radius]).permute(0, 2, 3, 1).contiguous());

    /// <summary>[B,(2r+1)²,H,W] from the channels-last copies: per shift one product and one contiguous inner sum.</summary>
    internal static Tensor ShiftSums(Tensor a, Tensor p, int radius)
    {
        long h = a.size(1), w = a.size(2), k = 2 * radius + 1;
        var planes = new List<Tensor>((int)(k * k));
        for (int dy = 0; dy < k; dy++)
            for (int dx = 0; dx < k; dx++)
                planes.Add(a.mul(p.narrow(1, dy, h).narrow(2, dx, w)).sum(3));
        return torch.stack(planes, 1);
    }
}

/// <summary>
/// The cost volume of <see cref="CostVolumeMode.ChannelsLastOwnBackward"/> as an autograd function of (f1, f2, radius),
/// f1 and f2 [B,C,H,W]. Backward, for the incoming gradient g [B,(2r+1)²,H,W] made channels-last once: for every shift
/// d = (dy, dx), ∂f1 += g_d · f2(p + d) and ∂f2(p + d) += g_d · f1(p), each one addcmul_ into a buffer allocated once
/// (the f2 buffer padded like the forward's copy, its border dropped at the end). Same values as autograd's backward of
/// <see cref="CostVolumeMode.ChannelsLast"/> up to the order of the float sums (tests: PwcNetTests).
/// </summary>
sealed class ChannelsLastCorrelation : torch.autograd.SingleTensorFunction<ChannelsLastCorrelation>
{
    public override string Name => "DistillKit.ChannelsLastCorrelation";
    static readonly Scalar One = 1;  // held for the process: see LeakyRelu on temporary Scalars

    public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
    {
        var (f1, f2, radius) = ((Tensor)vars[0], (Tensor)vars[1], (int)vars[2]);
        using var scope = torch.NewDisposeScope();
        var (a, p) = CostVolume.ChannelsLastCopies(f1, f2, radius);
        var window = new ShiftedWindow(p, a.shape);
        var planes = new Tensor[window.Count];
        for (int d = 0; d < planes.Length; d++)
            planes[d] = a.mul(window.At(d)).sum(3);
        var result = torch.stack(planes, 1);
        // the context turns the saved tensors into autograd's SavedVariables after forward returns: a and p must outlive
        // this scope (the caller's scope disposes the managed handles later; the saved variables keep their own reference)
        scope.MoveToOuter(a, p);
        ctx.save_for_backward([a, p]);
        return result.MoveToOuterDisposeScope();
    }

    public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor grad)
    {
        using var scope = torch.NewDisposeScope();
        var saved = ctx.get_saved_variables();
        var (a, p) = (saved[0], saved[1]);
        var gradA = torch.zeros_like(a);
        var gradP = torch.zeros_like(p);
        var source = new ShiftedWindow(p, a.shape);
        var target = new ShiftedWindow(gradP, a.shape);
        // [B,H,W,(2r+1)²,1] made once; plane d is [B,H,W,1], broadcast over channels
        var g = grad.permute(0, 2, 3, 1).contiguous().unsqueeze(4).unbind(3);
        for (int d = 0; d < g.Length; d++)
        {
            gradA.addcmul_(source.At(d), g[d], One);
            target.At(d).addcmul_(a, g[d], One);
        }
        var grad1 = gradA.permute(0, 3, 1, 2);
        var grad2 = target.Centre.permute(0, 3, 1, 2);
        // the autograd engine copies the returned tensors after this method returns: they must outlive its scope
        scope.MoveToOuter(grad1, grad2);
        return [grad1, grad2, null!];
    }

    /// <summary>
    /// The [B,H,W,C] windows of a padded channels-last map [B,H+2r,W+2r,C] at the (2r+1)² shifts (index d = dy·(2r+1) +
    /// dx, dy outer), each one as_strided view: one native call per shift where narrowing twice takes two. Views only,
    /// outside autograd (as_strided's own backward would be slow).
    /// </summary>
    readonly struct ShiftedWindow
    {
        readonly Tensor _padded;
        readonly long[] _shape, _strides;
        readonly long _offset, _k;

        public ShiftedWindow(Tensor padded, long[] shape)
        {
            _padded = padded;
            _shape = shape;
            _strides = padded.stride();
            _offset = padded.storage_offset();
            _k = padded.size(1) - shape[1] + 1;
        }

        public int Count => (int)(_k * _k);

        public Tensor At(int d) => _padded.as_strided(_shape, _strides, _offset + d / _k * _strides[1] + d % _k * _strides[2]);

        /// <summary>The window of the zero shift (the unpadded map).</summary>
        public Tensor Centre => At(Count / 2);
    }
}
