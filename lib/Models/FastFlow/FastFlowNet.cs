using DistillKit.Geometry;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Models.FastFlow;

/// <summary>
/// FastFlowNet (MDFlow's teacher; METHODS.md section 2; paper width 1,366,114 parameters). Inputs: images [B,3,H,W]
/// RGB in [0,1], H and W multiples of 64 (<see cref="FlowInference"/> pads other sizes); both images minus their joint
/// per-sample, per-channel mean (MDFlow). Output: forward flow [B,2,H,W] in pixels of the input (channel 0 = u,
/// 1 = v), mapping p in image 1 to p + w(p) in image 2.
/// Internally flows are stored as FastFlowNet stores them, in full-resolution pixels divided by 20, at every level;
/// level l's image-2 features are warped (bilinear, <c>align_corners = true</c>, zero padding: <see cref="Warping"/>)
/// by the upsampled flow × 20 / 2^l (0.625, 1.25, 2.5, 5 at levels 5..2), that is by the flow in level-l pixels.
/// Output convention (FastFlowNet's demo): the level-2 flow × 20, bilinearly upsampled ×4 with
/// <c>align_corners = false</c>, not rescaled further (×20 already makes it full-resolution pixels).
/// State-dict names: <c>pyramid.conv1_1</c> … <c>pyramid.conv3_3</c>, <c>reduce.{2..6}</c>,
/// <c>decoders.{2..6}.conv1</c> … <c>.conv6</c>, <c>.predict</c>, <c>upsample.{6,5,4,3}</c> (level l's flow → level l−1).
/// </summary>
public sealed class FastFlowNet : Module<Tensor, Tensor, Tensor>, IFlowModel
{
    /// <summary>Flows are stored in full-resolution pixels divided by this.</summary>
    public const double FlowDivisor = 20;

    /// <summary>The coarsest and the finest decoded pyramid levels.</summary>
    public const int CoarsestLevel = 6, FinestLevel = 2;

    public FastFlowPyramid pyramid;
    public LevelModules<Conv2d> reduce = new();
    public LevelModules<FastFlowDecoder> decoders = new();
    public LevelModules<ConvTranspose2d> upsample = new();

    readonly Scalar _slope, _divisor;      // held: see Pwc.LeakyRelu
    readonly Scalar? _correlationScale;    // null at the paper's 1
    readonly Scalar[] _toLevelPixels;      // index l: 20 / 2^l, storage units → level-l pixels

    public FastFlowNetConfig Config { get; }

    public string Kind => nameof(FastFlowNet);
    public int SizeMultiple => Config.SizeMultiple;
    public void SetEval() => eval();
    public Tensor ForwardFlow(Tensor image1, Tensor image2) => forward(image1, image2);
    public Module AsModule => this;

    /// <summary>Builds the network with Kaiming-normal weights drawn from <paramref name="seed"/> (<see cref="Init"/>).</summary>
    public FastFlowNet(FastFlowNetConfig config, long seed = 0) : base(nameof(FastFlowNet))
    {
        Config = config;
        _slope = config.LeakySlope;
        _divisor = FlowDivisor;
        _correlationScale = config.CorrelationScale == 1 ? null : (Scalar)config.CorrelationScale;
        _toLevelPixels = Enumerable.Range(0, CoarsestLevel + 1).Select(l => (Scalar)(FlowDivisor / (1 << l))).ToArray();
        pyramid = new FastFlowPyramid(config.PyramidChannels, config.LeakySlope);
        int decoderInput = FastFlowCorrelation.Channels + config.ReducedChannels + 2;
        for (int level = CoarsestLevel; level >= FinestLevel; level--)
        {
            int featureChannels = config.PyramidChannels[Math.Min(level, 3) - 1];  // levels 4–6 are pools of level 3
            reduce.Add(level, FastFlowPyramid.Conv(featureChannels, config.ReducedChannels));
            decoders.Add(level, new FastFlowDecoder(decoderInput, config.DecoderChannels, config.Groups, config.LeakySlope));
            if (level > FinestLevel) upsample.Add(level, nn.ConvTranspose2d(2, 2, 4, stride: 2, padding: 1));
        }
        RegisterComponents();
        Init(seed);
    }

    /// <summary>
    /// Redraws every weight from <paramref name="seed"/> with the network's own generator (never the global one):
    /// Kaiming-normal conv and transposed-conv weights (fan_in, a = 0: std √(2 / fan_in), fan_in = weight.size(1) ×
    /// kernel area as PyTorch computes it), zero biases (<see cref="SeededInit.KaimingNormal"/>).
    /// </summary>
    public FastFlowNet Init(long seed) => SeededInit.KaimingNormal(this, seed);

    /// <summary>
    /// A start for training from scratch on top of <see cref="Init"/>: every flow-upsampling transposed conv becomes an
    /// exact per-channel bilinear ×2 (kernel (¼, ¾, ¾, ¼)⊗(¼, ¾, ¾, ¼), no mixing of u and v, zero bias), and every
    /// decoder's <c>predict</c> conv is scaled by <paramref name="predictScale"/>, so the first flows are small and
    /// coarse levels pass on what they found. With Kaiming-random upsampling the coarse flow reaches level 2 as noise,
    /// and an unsupervised FastFlowNet sits on the zero-flow plateau for hundreds of steps or more (mini, photometric
    /// warm-up, seeds 0–3: 1 of 4 left it by step 300; with this start 4 of 4 by step 200). Kit choice, not the paper's.
    /// </summary>
    public FastFlowNet BilinearStart(double predictScale = 0.1)
    {
        using var noGrad = torch.no_grad();
        using var kernel1d = torch.tensor(new float[] { 0.25f, 0.75f, 0.75f, 0.25f });
        using var kernel = kernel1d.outer(kernel1d);
        for (int level = CoarsestLevel; level > FinestLevel; level--)
        {
            var up = upsample.At(level);
            up.weight!.zero_();
            for (int c = 0; c < 2; c++) up.weight[c, c].copy_(kernel);
            up.bias?.zero_();
        }
        for (int level = CoarsestLevel; level >= FinestLevel; level--)
        {
            var predict = decoders.At(level).predict;
            predict.weight!.mul_(predictScale);
            predict.bias?.mul_(predictScale);
        }
        return this;
    }

    /// <summary>Forward flow image1 → image2, [B,2,H,W] in input pixels.</summary>
    public override Tensor forward(Tensor image1, Tensor image2)
    {
        using var scope = torch.NewDisposeScope();
        CheckInputs(image1, image2);
        long b = image1.size(0);
        var features = pyramid.forward(Normalised(image1, image2));
        var flows = Decode(features.Select(f => f.narrow(0, 0, b)).ToArray(), features.Select(f => f.narrow(0, b, b)).ToArray());
        return Output(flows[FinestLevel]).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Both directions in one batched pass (pyramids of both images computed once): (forward flow 1→2, backward flow
    /// 2→1), each [B,2,H,W] in input pixels.
    /// </summary>
    public (Tensor flowFw, Tensor flowBw) ForwardBoth(Tensor image1, Tensor image2)
    {
        using var scope = torch.NewDisposeScope();
        var flows = DecodeBoth(image1, image2);
        var flow = Output(flows[FinestLevel]);
        long b = image1.size(0);
        var (fw, bw) = (flow.narrow(0, 0, b), flow.narrow(0, b, b));
        scope.MoveToOuter(fw, bw);
        return (fw, bw);
    }

    /// <summary>
    /// For multi-scale training losses: <see cref="ForwardBoth"/>'s full-resolution flows plus every decoded level's
    /// flows, <c>levelsFw[i]</c> / <c>levelsBw[i]</c> for level i + 2 (index 0 = level 2 at 1/4 resolution … index 4 =
    /// level 6 at 1/64), each [B,2,H/2^l,W/2^l] in pixels of that level (the stored flow × 20 / 2^l), kit convention.
    /// </summary>
    public (Tensor flowFw, Tensor flowBw, Tensor[] levelsFw, Tensor[] levelsBw) ForwardBothLevels(Tensor image1, Tensor image2)
    {
        using var scope = torch.NewDisposeScope();
        var flows = DecodeBoth(image1, image2);
        long b = image1.size(0);
        var flow = Output(flows[FinestLevel]);
        var (fw, bw) = (flow.narrow(0, 0, b), flow.narrow(0, b, b));
        var levels = Enumerable.Range(FinestLevel, CoarsestLevel - FinestLevel + 1).Select(l => flows[l].mul(_toLevelPixels[l])).ToArray();
        var levelsFw = levels.Select(f => f.narrow(0, 0, b)).ToArray();
        var levelsBw = levels.Select(f => f.narrow(0, b, b)).ToArray();
        scope.MoveToOuter([fw, bw, .. levelsFw, .. levelsBw]);
        return (fw, bw, levelsFw, levelsBw);
    }

    /// <summary>Flows of levels 6..2 (storage units) of the batch [1→2 ; 2→1], indexed by level.</summary>
    Tensor[] DecodeBoth(Tensor image1, Tensor image2)
    {
        CheckInputs(image1, image2);
        long b = image1.size(0);
        var features = pyramid.forward(Normalised(image1, image2));
        // batch [1→2 ; 2→1]: sources are the features as computed, targets the same with the halves swapped
        var swapped = features.Select(f => torch.cat([f.narrow(0, b, b), f.narrow(0, 0, b)], 0)).ToArray();
        return Decode(features, swapped);
    }

    /// <summary>[image1 ; image2] (batch concatenation) minus their joint per-sample, per-channel mean.</summary>
    static Tensor Normalised(Tensor image1, Tensor image2)
    {
        using var scope = torch.NewDisposeScope();
        var both = torch.cat([image1, image2], 0);
        var mean = torch.cat([image1, image2], 3).mean([2, 3], keepdim: true);  // [B,3,1,1], over both images' H×W
        return both.sub(torch.cat([mean, mean], 0)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Coarse-to-fine estimation from pyramids (index 0 = level 1). Returns the flows indexed by level (6..2 filled), in
    /// storage units (full-resolution pixels / 20).
    /// </summary>
    Tensor[] Decode(Tensor[] p1, Tensor[] p2)
    {
        var flows = new Tensor[CoarsestLevel + 1];
        for (int level = CoarsestLevel; level >= FinestLevel; level--)
        {
            // one scope per level: the level's temporaries go as soon as it is done (autograd keeps what it needs)
            using var levelScope = torch.NewDisposeScope();
            var f1 = p1[level - 1];
            var f2 = p2[level - 1];
            Tensor? up = null;
            var warped2 = f2;
            if (level < CoarsestLevel)
            {
                up = upsample.At(level + 1).forward(flows[level + 1]);
                warped2 = Warping.Warped(f2, up.mul(_toLevelPixels[level]));
            }
            var corr = FastFlowCorrelation.Compute(f1, warped2, Config.Correlation);
            if (_correlationScale is { } scale) corr.mul_(scale);
            corr.leaky_relu_(_slope);
            var reduced = reduce.At(level).forward(f1).leaky_relu_(_slope);
            up ??= torch.zeros([f1.size(0), 2, f1.size(2), f1.size(3)], f1.dtype, f1.device);
            var residual = decoders.At(level).forward(torch.cat([corr, reduced, up], 1));
            flows[level] = level < CoarsestLevel ? residual.add_(up) : residual;
            levelScope.MoveToOuter(flows[level]);
        }
        return flows;
    }

    /// <summary>Level-2 flow (storage units) to full-resolution pixels: × 20, bilinear ×4, <c>align_corners = false</c>.</summary>
    Tensor Output(Tensor level2)
    {
        using var scope = torch.NewDisposeScope();
        var scaled = level2.mul(_divisor);
        return interpolate(scaled, [4 * level2.size(2), 4 * level2.size(3)], mode: InterpolationMode.Bilinear, align_corners: false)
            .MoveToOuterDisposeScope();
    }

    void CheckInputs(Tensor image1, Tensor image2)
    {
        var s = image1.shape;
        if (s.Length != 4 || s[1] != 3 || !s.SequenceEqual(image2.shape))
            throw new ArgumentException($"FastFlowNet expects two [B,3,H,W] images of one shape, got [{string.Join(",", s)}] and [{string.Join(",", image2.shape)}]");
        int m = Config.SizeMultiple;
        if (s[2] % m != 0 || s[3] % m != 0)
            throw new ArgumentException($"FastFlowNet input {s[2]}×{s[3]} must be a multiple of {m} in height and width " +
                                        $"(pad it to {(s[2] + m - 1) / m * m}×{(s[3] + m - 1) / m * m}: FlowInference pads and crops back)");
    }
}
