"""The enterprise safety coefficient (企业安全生产系数): rules, facts, scores, publication."""
