"""police"""
