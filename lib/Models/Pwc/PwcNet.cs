using DistillKit.Geometry;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchSharp.Modules;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Models.Pwc;

/// <summary>
/// PWC-Net, DDFlow variant (DistillFlow's backbone; METHODS.md section 2). Inputs: images [B,3,H,W] RGB in [0,1]
/// with H, W multiples of <see cref="PwcNetConfig.SizeMultiple"/>. Output: forward flow [B,2,H,W] in pixels of the
/// input (channel 0 = u, 1 = v), mapping p in image 1 to p + w(p) in image 2. Internally each level's flow is in
/// that level's pixels; between levels it is resized bilinearly (align_corners) and scaled by the size ratio.
/// </summary>
public sealed class PwcNet : Module<Tensor, Tensor, Tensor>, IFlowModel
{
    public FeaturePyramid pyramid;
    public ModuleList<FlowEstimator> estimators = new();
    public ContextNetwork? context;

    public PwcNetConfig Config { get; }

    public string Kind => nameof(PwcNet);
    public int SizeMultiple => Config.SizeMultiple;
    public void SetEval() => eval();
    public Tensor ForwardFlow(Tensor image1, Tensor image2) => forward(image1, image2);
    public Module AsModule => this;

    public PwcNet(PwcNetConfig config) : base(nameof(PwcNet))
    {
        Config = config;
        if (config.OutputLevel < 1 || config.OutputLevel > config.Levels)
            throw new ArgumentException($"OutputLevel {config.OutputLevel} must be within the {config.Levels} pyramid levels");
        pyramid = new FeaturePyramid(config.PyramidChannels, config.LeakySlope);
        int costChannels = (2 * config.SearchRadius + 1) * (2 * config.SearchRadius + 1);
        for (int level = config.Levels; level >= config.OutputLevel; level--)
            estimators.append(new FlowEstimator(costChannels + config.PyramidChannels[level - 1] + 2, config.EstimatorChannels, config.LeakySlope));
        if (config.UseContext)
            context = new ContextNetwork(config.EstimatorChannels[^1] + 2, config.ContextChannels, config.ContextDilations, config.LeakySlope);
        RegisterComponents();
    }

    /// <summary>Forward flow image1 → image2, [B,2,H,W] in input pixels.</summary>
    public override Tensor forward(Tensor image1, Tensor image2)
    {
        using var scope = torch.NewDisposeScope();
        CheckInputs(image1, image2);
        var p1 = pyramid.forward(image1);
        var p2 = pyramid.forward(image2);
        var flow = Decode(p1, p2);
        return FlowResize.Resize(flow, image1.size(2), image1.size(3)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Both directions in one batched pass (pyramids of both images computed once): (forward flow 1→2, backward flow
    /// 2→1), each [B,2,H,W] in input pixels.
    /// </summary>
    public (Tensor flowFw, Tensor flowBw) ForwardBoth(Tensor image1, Tensor image2)
    {
        using var scope = torch.NewDisposeScope();
        CheckInputs(image1, image2);
        long b = image1.size(0);
        var features = pyramid.forward(torch.cat([image1, image2], 0));
        // batch [1→2 ; 2→1]: sources are the features as computed, targets the same with the halves swapped
        var swapped = features.Select(f => torch.cat([f.narrow(0, b, b), f.narrow(0, 0, b)], 0)).ToArray();
        var flow = FlowResize.Resize(Decode(features, swapped), image1.size(2), image1.size(3));
        var fw = flow.narrow(0, 0, b);
        var bw = flow.narrow(0, b, b);
        scope.MoveToOuter(fw, bw);
        return (fw, bw);
    }

    /// <summary>Coarse-to-fine estimation from pyramids (index 0 = level 1); flow at the output level, in its pixels.</summary>
    Tensor Decode(Tensor[] p1, Tensor[] p2)
    {
        Tensor? flow = null;
        Tensor? feature = null;
        int i = 0;
        for (int level = Config.Levels; level >= Config.OutputLevel; level--, i++)
        {
            // one scope per level: the level's temporaries go as soon as it is done (autograd keeps what it needs)
            using var levelScope = torch.NewDisposeScope();
            var f1 = p1[level - 1];
            var f2 = p2[level - 1];
            long h = f1.size(2), w = f1.size(3);
            Tensor warped2;
            if (flow is null)
            {
                flow = torch.zeros([f1.size(0), 2, h, w], f1.dtype, f1.device);
                warped2 = f2;
            }
            else
            {
                flow = FlowResize.Resize(flow, h, w);
                warped2 = Warping.Warped(f2, flow);
            }
            var cost = CostVolume.Compute(normalize(f1, dim: 1), normalize(warped2, dim: 1), Config.SearchRadius, Config.CostVolume);
            (feature, flow) = estimators[i].forward(torch.cat([cost, f1, flow], 1));
            levelScope.MoveToOuter(feature, flow);
        }
        if (context is not null) flow = flow!.add(context.forward(torch.cat([feature!, flow!], 1)));
        return flow!;
    }

    void CheckInputs(Tensor image1, Tensor image2)
    {
        var s = image1.shape;
        if (s.Length != 4 || s[1] != 3 || !s.SequenceEqual(image2.shape))
            throw new ArgumentException($"PwcNet expects two [B,3,H,W] images of one shape, got [{string.Join(",", s)}] and [{string.Join(",", image2.shape)}]");
        int m = Config.SizeMultiple;
        if (s[2] % m != 0 || s[3] % m != 0)
            throw new ArgumentException($"PwcNet input {s[2]}×{s[3]} must be a multiple of {m} (pad it: FlowInference pads and crops back)");
    }
}
